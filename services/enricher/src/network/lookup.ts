import type { ReaderModel } from '@maxmind/geoip2-node';
import { LRUCache } from 'lru-cache';
import { formatIp, parseIp, type ParsedIp } from '@beacon/schema';
import type { EnrichContext, GeoInfo, MaxmindOrgRecord, NetworkInfo, Step } from '../pipeline.js';
import { blank, openNetworkSources, type NetworkOptions, type NetworkSources } from './sources.js';
import type { SourceStatus } from './watched.js';

export { defaultAsnPaths, defaultGeoPaths, type NetworkOptions } from './sources.js';

/**
 * Network & location of an IP from whichever sources are configured (sources.ts). Results are cached
 * per IP text (LRU); the cache is cleared when any file reloads.
 */
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

const countryNames = new Intl.DisplayNames(['en'], { type: 'region' });
/**
 * English names by upper-case code: a memo of a closed set (~250 codes; Intl.DisplayNames#of costs
 * ~2 µs), not a cache: nothing to evict, so a Map capped against junk codes rather than an LRU.
 */
const countryNameMemo = new Map<string, string | null>();
function countryName(code: string | null): string | null {
  if (!code || code.length !== 2) return null;
  const upper = code.toUpperCase();
  let name = countryNameMemo.get(upper);
  if (name === undefined) {
    try {
      name = countryNames.of(upper) ?? null;
    } catch {
      name = null;
    }
    if (countryNameMemo.size < 1_000) countryNameMemo.set(upper, name);
  }
  return name;
}

/** Runs a geoip2-node lookup; "not found" (AddressNotFoundError) and bad input give null. */
function mm<T>(reader: ReaderModel | null, fn: (r: ReaderModel) => T): T | null {
  if (!reader) return null;
  try {
    return fn(reader);
  } catch {
    return null;
  }
}

type EnterpriseRecord = ReturnType<ReaderModel['enterprise']>;

/** Geo from MaxMind City (or Enterprise), else from DB-IP Lite City. */
function geoOf(
  src: NetworkSources,
  ip: ParsedIp,
  ipText: string,
  ent: EnterpriseRecord | null,
): GeoInfo | null {
  const c = mm(src.city.value, (r) => r.city(ipText)) ?? ent;
  if (c) {
    const cc = blank(c.country?.isoCode);
    return {
      country: cc,
      countryName: blank(c.country?.names?.en) ?? countryName(cc),
      region: blank(c.subdivisions?.[0]?.names?.en),
      city: blank(c.city?.names?.en),
      postalCode: blank(c.postal?.code),
      latitude: c.location?.latitude ?? null,
      longitude: c.location?.longitude ?? null,
      timezone: blank(c.location?.timeZone),
    };
  }
  const reader = ip.v === 4 ? src.dbip4.value : src.dbip6.value;
  const rec = reader ? reader.get(ipText) : null;
  if (!rec) return null;
  const cc = blank(rec.country_code);
  return {
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

interface Carrier {
  asn: number | null;
  asnOrg: string | null;
  isp: string | null;
  orgRecord: MaxmindOrgRecord | null;
}

/** ASN, ISP and organisation: MaxMind ASN → ISP → Enterprise, else the @ip-location-db/asn table. */
function carrierOf(src: NetworkSources, ip: ParsedIp, ipText: string, ent: EnterpriseRecord | null): Carrier {
  const a = mm(src.asnDb.value, (r) => r.asn(ipText));
  const i = mm(src.isp.value, (r) => r.isp(ipText));
  const t = ent?.traits;
  let asn = a?.autonomousSystemNumber ?? i?.autonomousSystemNumber ?? t?.autonomousSystemNumber ?? null;
  let asnOrg =
    blank(a?.autonomousSystemOrganization) ??
    blank(i?.autonomousSystemOrganization) ??
    blank(t?.autonomousSystemOrganization);
  if (!src.asnDb.value && !src.isp.value && !src.enterprise.value && src.asnCsv.value) {
    const r = src.asnCsv.value.lookup(ip);
    if (r) ({ asn, org: asnOrg } = r);
  }
  const d = mm(src.domain.value, (r) => r.domain(ipText));
  const orgRecord =
    t || i || d
      ? {
          organization: blank(t?.organization) ?? blank(i?.organization),
          isp: blank(t?.isp) ?? blank(i?.isp),
          domain: blank(d?.domain) ?? blank(t?.domain),
          userType: blank(t?.userType),
          connectionType: blank(t?.connectionType),
        }
      : null;
  return { asn, asnOrg, isp: blank(i?.isp) ?? blank(t?.isp), orgRecord };
}

type Anonymity = Pick<NetworkInfo, 'isHosting' | 'isVpn' | 'isProxy' | 'isTor' | 'isCrawlerRange'>;

/** Hosting / VPN / proxy / Tor from MaxMind Anonymous-IP, else the lists; crawler ranges from the lists. */
function anonymityOf(src: NetworkSources, ip: ParsedIp, ipText: string, c: Carrier): Anonymity {
  const lists = src.lists;
  let flags: { -readonly [K in Exclude<keyof Anonymity, 'isCrawlerRange'>]: Anonymity[K] } = {
    isHosting: null,
    isVpn: null,
    isProxy: null,
    isTor: null,
  };
  if (src.anon.value) {
    const r = mm(src.anon.value, (x) => x.anonymousIP(ipText));
    flags = {
      isHosting: r?.isHostingProvider ?? false,
      isVpn: r?.isAnonymousVpn ?? false,
      isProxy: (r?.isPublicProxy ?? false) || (r?.isResidentialProxy ?? false),
      isTor: r?.isTorExitNode ?? false,
    };
  } else if (lists) {
    flags = {
      isHosting: c.asn !== null && lists.hostingAsns.has(c.asn),
      isVpn: lists.vpnRanges.has(ip) || (c.asn !== null && lists.vpnAsns.has(c.asn)),
      isProxy: lists.proxyRanges.has(ip),
      isTor: null,
    };
  }
  const userType = c.orgRecord?.userType;
  if (userType === 'hosting' || userType === 'content_delivery_network') flags.isHosting = true;
  return { ...flags, isCrawlerRange: lists ? lists.crawlerRanges.has(ip) : false };
}

const NOT_AN_IP: NetworkResult = { ip: null, ipText: null, geo: null, network: null };

/** The uncached lookup of one IP text. */
function compute(src: NetworkSources, text: string): NetworkResult {
  const ip = parseIp(text);
  if (!ip) return NOT_AN_IP;
  const ipText = formatIp(ip);
  const ent = mm(src.enterprise.value, (r) => r.enterprise(ipText));
  const geo = geoOf(src, ip, ipText, ent);
  const c = carrierOf(src, ip, ipText, ent);
  const network: NetworkInfo = {
    asn: c.asn,
    asnOrg: c.asnOrg,
    isp: c.isp,
    ...anonymityOf(src, ip, ipText, c),
    maxmind: c.orgRecord,
  };
  return { ip, ipText, geo, network };
}

export function createNetworkLookup(opts: NetworkOptions): NetworkLookup {
  const cache = new LRUCache<string, NetworkResult>({ max: Math.max(1, opts.ipCacheSize ?? 20_000) });
  const stats = { hits: 0, misses: 0 };
  const src = openNetworkSources(opts, () => cache.clear());
  return {
    stats,
    lookup(text) {
      if (!text) return NOT_AN_IP;
      const hit = cache.get(text);
      if (hit !== undefined) {
        stats.hits++;
        return hit;
      }
      stats.misses++;
      const r = compute(src, text);
      cache.set(text, r);
      return r;
    },
    clearCache: () => cache.clear(),
    sources: () => src.sources(),
    close: () => src.close(),
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
      // Written out on purpose: a keyed copy loop over a column map cost +2.3 µs per hit (bench enricher).
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
