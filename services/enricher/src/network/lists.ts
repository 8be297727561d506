import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { IpRangeError, parseIpRange } from '@beacon/schema';
import { RangeIndexBuilder, type RangeIndex } from './range-index.js';

/**
 * Hosting / VPN / proxy / crawler lists shipped in services/enricher/data/network (copies with their
 * licences; `scripts/refresh-network-lists.sh` updates them):
 * - bad-asn-list/bad-asn-list.csv (MIT): ASNs of cloud / hosting / colo providers → is_hosting
 * - x4bnet/datacenter-ASN.txt (MIT): data-centre ASNs → is_hosting; x4bnet/vpn-ASN.txt → is_vpn
 * - x4bnet/vpn-ipv4.txt, vpn-ipv6.txt (MIT): known VPN exit ranges → is_vpn
 * - lord-alfred/<crawler>/ipv*_merged.txt (CC0): ranges of Googlebot, Bingbot, DuckDuckBot, OpenAI,
 *   Perplexity, Pingdom, StatusCake → crawler traffic (bot)
 * - lord-alfred/apple-proxy (CC0): iCloud Private Relay egress → is_proxy
 * They stand in when no MaxMind Anonymous-IP database is configured.
 */
export const DEFAULT_LISTS_DIR = fileURLToPath(new URL('../../data/network/', import.meta.url));

export const CRAWLER_PROVIDERS = [
  'googlebot',
  'bing',
  'duckduckbot',
  'duckassistbot',
  'openai',
  'perplexity',
  'pingdom',
  'statuscake',
] as const;

export interface NetworkLists {
  readonly hostingAsns: ReadonlySet<number>;
  readonly vpnAsns: ReadonlySet<number>;
  readonly vpnRanges: RangeIndex;
  readonly crawlerRanges: RangeIndex;
  readonly proxyRanges: RangeIndex;
  readonly counts: Record<string, number>;
}

function lines(path: string): string[] {
  if (!existsSync(path)) return [];
  return readFileSync(path, 'utf8')
    .split('\n')
    .map((l) => l.replace(/#.*/, '').trim())
    .filter(Boolean);
}

/** Adds the CIDRs (or addresses) of a list file; a line that is not one is passed over. */
function addCidrs(builder: RangeIndexBuilder, path: string): number {
  let n = 0;
  for (const l of lines(path)) {
    try {
      builder.add(parseIpRange(l));
      n++;
    } catch (err) {
      if (!(err instanceof IpRangeError)) throw err;
    }
  }
  return n;
}

function addRanges(builder: RangeIndexBuilder, dir: string): number {
  if (!existsSync(dir)) return 0;
  let n = 0;
  for (const f of readdirSync(dir)) if (/^ipv[46].*\.txt$/.test(f)) n += addCidrs(builder, join(dir, f));
  return n;
}

export function loadNetworkLists(dir: string = DEFAULT_LISTS_DIR): NetworkLists {
  if (!existsSync(dir)) throw new Error(`network lists folder not found: ${dir}`);
  const hostingAsns = new Set<number>();
  for (const l of lines(join(dir, 'bad-asn-list/bad-asn-list.csv')).slice(1)) {
    const asn = Number(l.split(',', 1)[0]!.replace(/"/g, '').trim());
    if (Number.isInteger(asn) && asn > 0) hostingAsns.add(asn);
  }
  const badAsn = hostingAsns.size;
  const asnOf = (l: string) => Number(l.replace(/^AS/i, '').split(/\s/, 1)[0]);
  for (const l of lines(join(dir, 'x4bnet/datacenter-ASN.txt'))) {
    const asn = asnOf(l);
    if (Number.isInteger(asn) && asn > 0) hostingAsns.add(asn);
  }
  const vpnAsns = new Set<number>();
  for (const l of lines(join(dir, 'x4bnet/vpn-ASN.txt'))) {
    const asn = asnOf(l);
    if (Number.isInteger(asn) && asn > 0) vpnAsns.add(asn);
  }
  const vpn = new RangeIndexBuilder();
  let vpnCount = 0;
  for (const f of ['x4bnet/vpn-ipv4.txt', 'x4bnet/vpn-ipv6.txt']) vpnCount += addCidrs(vpn, join(dir, f));
  const crawler = new RangeIndexBuilder();
  let crawlerCount = 0;
  for (const p of CRAWLER_PROVIDERS) crawlerCount += addRanges(crawler, join(dir, 'lord-alfred', p));
  const proxy = new RangeIndexBuilder();
  const proxyCount = addRanges(proxy, join(dir, 'lord-alfred', 'apple-proxy'));
  return {
    hostingAsns,
    vpnAsns,
    vpnRanges: vpn.build(),
    crawlerRanges: crawler.build(),
    proxyRanges: proxy.build(),
    counts: {
      bad_asn_list: badAsn,
      hosting_asns: hostingAsns.size,
      vpn_asns: vpnAsns.size,
      vpn_ranges: vpnCount,
      crawler_ranges: crawlerCount,
      proxy_ranges: proxyCount,
    },
  };
}
