import { parsers as p, setting } from '../setting.js';

/** Company identification and attribution in the enricher (services/enricher/src/attribution). */
export const attribution = {
  companyMmdbPath: setting('COMPANY_MMDB_PATH', p.path(), '')`
    Optional MaxMind-format company database (records {company:{name,domain,industry,employees,revenue}}, or
    a GeoIP2 Enterprise/ISP file): second source of company identification after the agencies' IP ranges.
    Empty = not configured. Reloaded when the file changes.`,
  companyRangesReloadSeconds: setting('COMPANY_RANGES_RELOAD_SECONDS', p.int(1, 86_400), 30)`
    How often the enricher checks company_ip_range_versions for agencies whose IP ranges changed (one small
    query); changed agencies are reloaded in place.`,
  companyCacheTtlSeconds: setting('COMPANY_CACHE_TTL_SECONDS', p.int(0, 86_400), 600)`
    How long the enricher keeps the company facts of a domain (the shared \`companies\` row, and the
    \`agency_companies\` row of the agency whose site saw it) before asking again; 0 = no cache.`,
};
