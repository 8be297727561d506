import { isIPv4, isIPv6 } from 'node:net';

/**
 * IP address arithmetic shared by `beacon companies import` (CIDR and start-end ranges of a CSV) and
 * the enricher's range index. Addresses are BigInts; an IPv4-mapped IPv6 address (::ffff:a.b.c.d)
 * counts as the IPv4 address it carries, as PostgreSQL's host() and the collector's sockets print both.
 */
export interface ParsedIp {
  family: 4 | 6;
  value: bigint;
}

export interface IpRange {
  family: 4 | 6;
  start: bigint;
  end: bigint;
}

const V4_MAX = (1n << 32n) - 1n;
const V6_MAX = (1n << 128n) - 1n;

/** Parses a dotted IPv4 address to a number (0..2^32-1), or -1 when it is not one. Hot path: no BigInt. */
export function ipv4ToNumber(ip: string): number {
  let n = 0;
  let part = 0;
  let digits = 0;
  let dots = 0;
  for (let i = 0; i < ip.length; i++) {
    const c = ip.charCodeAt(i);
    if (c === 46) {
      if (digits === 0 || part > 255) return -1;
      n = n * 256 + part;
      part = 0;
      digits = 0;
      dots++;
    } else if (c >= 48 && c <= 57) {
      if (digits > 0 && part === 0) return -1; // leading zero ("01"): ambiguous (octal), refuse
      part = part * 10 + (c - 48);
      if (++digits > 3) return -1;
    } else return -1;
  }
  if (dots !== 3 || digits === 0 || part > 255) return -1;
  return n * 256 + part;
}

/** Parses an IPv4 or IPv6 address (no mask, no zone); null when it is neither. */
export function parseIp(text: string): ParsedIp | null {
  const ip = text.trim();
  if (isIPv4(ip)) {
    const n = ipv4ToNumber(ip);
    return n < 0 ? null : { family: 4, value: BigInt(n) };
  }
  if (!isIPv6(ip) || ip.includes('%')) return null;
  let head = ip;
  let tail: number[] = [];
  const lastColon = ip.lastIndexOf(':');
  if (ip.indexOf('.', lastColon) > 0) {
    // Embedded IPv4 tail: two 16-bit groups.
    const v4 = ipv4ToNumber(ip.slice(lastColon + 1));
    if (v4 < 0) return null;
    tail = [Math.floor(v4 / 65536), v4 % 65536];
    head = ip.slice(0, lastColon + 1);
    if (!head.endsWith('::')) head = head.slice(0, -1);
  }
  const [left, right] = head.includes('::') ? head.split('::') : [head, undefined];
  const groups = (s: string | undefined) => (s ? s.split(':').map((g) => parseInt(g, 16)) : []);
  const l = groups(left);
  const r = groups(right);
  const missing = 8 - l.length - r.length - tail.length;
  if (missing < 0 || (right === undefined && missing !== 0)) return null;
  const all = [...l, ...new Array<number>(missing).fill(0), ...r, ...tail];
  let value = 0n;
  for (const g of all) value = (value << 16n) | BigInt(g);
  if (value >> 32n === 0xffffn) return { family: 4, value: value & V4_MAX }; // ::ffff:a.b.c.d
  return { family: 6, value };
}

/** Formats an address back to its canonical text (IPv6 compressed as RFC 5952 says). */
export function formatIp(family: 4 | 6, value: bigint): string {
  if (family === 4) {
    const n = Number(value);
    return `${n >>> 24}.${(n >>> 16) & 255}.${(n >>> 8) & 255}.${n & 255}`;
  }
  const groups: number[] = [];
  for (let i = 7; i >= 0; i--) groups.push(Number((value >> BigInt(i * 16)) & 0xffffn));
  // Longest run of two or more zero groups becomes "::" (first one on ties).
  let best = -1;
  let bestLen = 1;
  for (let i = 0; i < 8;) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen) {
      best = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (best < 0) return hex.join(':');
  return `${hex.slice(0, best).join(':')}::${hex.slice(best + bestLen).join(':')}`;
}

/** Thrown by parseIpRange with a message fit for a user. */
export class IpRangeError extends Error {
  override readonly name = 'IpRangeError';
  readonly code = 'BAD_IP_RANGE';
}

/**
 * Parses "a.b.c.d/n", "2001:db8::/32", "start-end" (or "start - end") or a single address. A CIDR
 * whose address has host bits set is refused (192.168.1.5/24 is more likely a typo than a network).
 */
export function parseIpRange(text: string): IpRange {
  const t = text.trim();
  if (!t) throw new IpRangeError('empty IP range');
  const slash = t.indexOf('/');
  if (slash >= 0) {
    const ip = parseIp(t.slice(0, slash));
    const bitsText = t.slice(slash + 1).trim();
    if (!ip) throw new IpRangeError(`${JSON.stringify(t)}: not an IP address before "/"`);
    const width = ip.family === 4 ? 32 : 128;
    // "::ffff:10.0.0.0/104" style masks of a mapped address count in the IPv6 width.
    const mappedV6 = ip.family === 4 && t.slice(0, slash).includes(':');
    if (!/^\d{1,3}$/.test(bitsText))
      throw new IpRangeError(`${JSON.stringify(t)}: prefix length must be a number`);
    let bits = Number(bitsText);
    if (mappedV6) bits -= 96;
    if (bits < 0 || bits > width)
      throw new IpRangeError(`${JSON.stringify(t)}: prefix length must be 0-${width}`);
    const hostBits = BigInt(width - bits);
    const hostMask = (1n << hostBits) - 1n;
    if ((ip.value & hostMask) !== 0n)
      throw new IpRangeError(`${JSON.stringify(t)}: address has bits set past the /${bitsText} prefix`);
    return { family: ip.family, start: ip.value, end: ip.value | hostMask };
  }
  const dash = t.indexOf('-');
  if (dash >= 0) {
    const a = parseIp(t.slice(0, dash));
    const b = parseIp(t.slice(dash + 1));
    if (!a || !b) throw new IpRangeError(`${JSON.stringify(t)}: not "start-end" of two IP addresses`);
    if (a.family !== b.family)
      throw new IpRangeError(`${JSON.stringify(t)}: start and end are of different IP versions`);
    if (a.value > b.value) throw new IpRangeError(`${JSON.stringify(t)}: start is after end`);
    return { family: a.family, start: a.value, end: b.value };
  }
  const ip = parseIp(t);
  if (!ip) throw new IpRangeError(`${JSON.stringify(t)}: not an IP address, CIDR or start-end range`);
  return { family: ip.family, start: ip.value, end: ip.value };
}

/** Largest address of a family (for tests and range edges). */
export function maxIp(family: 4 | 6): bigint {
  return family === 4 ? V4_MAX : V6_MAX;
}
