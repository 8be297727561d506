import { parsers as p, setting } from '../setting.js';
import { metricsPort } from './listener.js';
import { stalledJobs } from './stalled-jobs.js';

/** Queue worker turning raw hits into enriched events. */
export const enricher = {
  metricsPort: metricsPort({ prefix: 'ENRICHER', port: 9101, name: 'enricher' }),
  concurrency: setting('ENRICHER_CONCURRENCY', p.int(1, 64), 2)`
    Raw jobs processed at once per enricher process (enrichment is CPU-bound: more only overlaps
    Redis/PostgreSQL waits).`,
  ...stalledJobs({
    prefix: 'ENRICHER',
    name: 'enricher',
    jobs: 'raw jobs',
    lockDoc:
      'Lock of a raw job the enricher works on; BullMQ renews it every half of this while the job runs. After a crash (kill -9, OOM) the job returns to the queue once the lock expires (docs/operations.md: recovery after a crash).',
    maxStalledDoc:
      'Times a raw job may come back from a dead holder before it fails for good (its hits then go to dead_events with the reason).',
  }),
  uaCacheSize: setting('ENRICHER_UA_CACHE_SIZE', p.int(1, 1_000_000), 5_000)`
    Entries of the LRU cache of parsed user agents (UA + client hints).`,
  ipCacheSize: setting('ENRICHER_IP_CACHE_SIZE', p.int(1, 1_000_000), 20_000)`
    Entries of the LRU cache of IP lookups (geo, ASN, hosting/VPN).`,
  siteCacheTtlMs: setting('ENRICHER_SITE_CACHE_TTL_MS', p.int(0, 86_400_000), 60_000)`
    How long a site row (status, config) is cached before it is read again from PostgreSQL, in ms.`,
  dedupeTtlSeconds: setting('ENRICHER_DEDUPE_TTL_S', p.int(60, 30 * 86_400), 86_400)`
    Window in which a client retry of the same (site_id, event_id) gives no second event, in seconds.`,
  geoipCityDb: setting('GEOIP_CITY_DB', p.path(), '')`
    Path of a MaxMind GeoIP2/GeoLite2 City .mmdb; empty = DB-IP Lite City (bundled).`,
  geoipAsnDb: setting('GEOIP_ASN_DB', p.path(), '')`
    Path of a MaxMind GeoLite2 ASN .mmdb; empty = @ip-location-db/asn (bundled).`,
  geoipIspDb: setting('GEOIP_ISP_DB', p.path(), '')`
    Path of a MaxMind GeoIP2 ISP .mmdb (isp, organization); empty = none.`,
  geoipAnonymousIpDb: setting('GEOIP_ANONYMOUS_IP_DB', p.path(), '')`
    Path of a MaxMind GeoIP2 Anonymous-IP .mmdb (VPN, proxy, Tor, hosting); empty = the shipped hosting/VPN
    lists.`,
  geoipEnterpriseDb: setting('GEOIP_ENTERPRISE_DB', p.path(), '')`
    Path of a MaxMind GeoIP2 Enterprise .mmdb (geo, ISP, organization, domain, user type); empty = none.`,
  geoipDomainDb: setting('GEOIP_DOMAIN_DB', p.path(), '')`
    Path of a MaxMind GeoIP2 Domain .mmdb; empty = none.`,
  defaultGeo: setting('ENRICHER_DEFAULT_GEO', p.bool(), true)`
    Use the bundled DB-IP Lite City database (CC BY 4.0) when no MaxMind City/Enterprise path is set (~140 MB
    of memory).`,
  defaultAsn: setting('ENRICHER_DEFAULT_ASN', p.bool(), true)`
    Use the bundled @ip-location-db/asn table when no MaxMind ASN/ISP/Enterprise path is set.`,
  networkListsDir: setting('ENRICHER_NETWORK_LISTS_DIR', p.path(), '')`
    Folder of the hosting/VPN/crawler lists; empty = the copies shipped in services/enricher/data/network;
    'none' = no lists.`,
  dataWatchIntervalMs: setting('ENRICHER_DATA_WATCH_INTERVAL_MS', p.int(0, 86_400_000), 30_000)`
    How often the GeoIP/ASN files are checked for changes (reloaded without a restart), in ms; 0 = never.`,
};
