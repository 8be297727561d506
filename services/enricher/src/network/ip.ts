/**
 * IP text → numbers for range lookups. IPv4 is one uint32; IPv6 is four uint32 words (big-endian), so
 * ranges compare word by word without BigInt on the hot path. IPv4-mapped IPv6 (::ffff:a.b.c.d) is
 * treated as the IPv4 address it carries.
 */

export type ParsedIp = { readonly v: 4; readonly n: number } | { readonly v: 6; readonly w: Uint32Array };

export function parseIPv4(s: string): number | null {
  let n = 0;
  let part = 0;
  let digits = 0;
  let dots = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 46) {
      if (digits === 0 || part > 255) return null;
      n = n * 256 + part;
      part = 0;
      digits = 0;
      dots++;
    } else if (c >= 48 && c <= 57) {
      part = part * 10 + (c - 48);
      if (++digits > 3) return null;
    } else return null;
  }
  if (dots !== 3 || digits === 0 || part > 255) return null;
  return n * 256 + part;
}

/** Parses IPv6 text (with "::" and an optional dotted IPv4 tail) into 8 16-bit groups. */
function parseIPv6Groups(s: string): number[] | null {
  const zone = s.indexOf('%');
  if (zone >= 0) s = s.slice(0, zone);
  let tail: number[] = [];
  const lastColon = s.lastIndexOf(':');
  if (lastColon >= 0 && s.indexOf('.', lastColon) > 0) {
    const v4 = parseIPv4(s.slice(lastColon + 1));
    if (v4 === null) return null;
    tail = [v4 >>> 16, v4 & 0xffff];
    s = s.slice(0, lastColon + 1);
    // "::ffff:" keeps its "::"; "1:2:3:4:5:6:" loses the separator before the IPv4 part
    if (!s.endsWith('::')) s = s.slice(0, -1);
  }
  const dbl = s.indexOf('::');
  const parseSide = (t: string): number[] | null => {
    if (t === '') return [];
    const out: number[] = [];
    for (const g of t.split(':')) {
      if (g.length === 0 || g.length > 4 || !/^[0-9a-fA-F]+$/.test(g)) return null;
      out.push(parseInt(g, 16));
    }
    return out;
  };
  let groups: number[];
  if (dbl >= 0) {
    if (s.indexOf('::', dbl + 1) >= 0) return null;
    const head = parseSide(s.slice(0, dbl));
    const rest = parseSide(s.slice(dbl + 2));
    if (!head || !rest) return null;
    const missing = 8 - head.length - rest.length - tail.length;
    if (missing < 1) return null;
    groups = [...head, ...new Array<number>(missing).fill(0), ...rest, ...tail];
  } else {
    const all = parseSide(s);
    if (!all) return null;
    groups = [...all, ...tail];
  }
  return groups.length === 8 ? groups : null;
}

export function parseIp(s: string | null | undefined): ParsedIp | null {
  if (!s) return null;
  if (s.indexOf(':') < 0) {
    const n = parseIPv4(s);
    return n === null ? null : { v: 4, n };
  }
  const g = parseIPv6Groups(s);
  if (!g) return null;
  // IPv4-mapped ::ffff:a.b.c.d
  if (g[0] === 0 && g[1] === 0 && g[2] === 0 && g[3] === 0 && g[4] === 0 && g[5] === 0xffff)
    return { v: 4, n: (g[6]! * 65536 + g[7]!) >>> 0 };
  const w = new Uint32Array(4);
  for (let i = 0; i < 4; i++) w[i] = ((g[2 * i]! << 16) | g[2 * i + 1]!) >>> 0;
  return { v: 6, w };
}

export function formatIPv4(n: number): string {
  return `${n >>> 24}.${(n >>> 16) & 255}.${(n >>> 8) & 255}.${n & 255}`;
}

/** The canonical text of an IP ("::ffff:1.2.3.4" → "1.2.3.4", IPv6 compressed lower-case). */
export function formatIp(ip: ParsedIp): string {
  if (ip.v === 4) return formatIPv4(ip.n);
  const g: number[] = [];
  for (let i = 0; i < 4; i++) g.push(ip.w[i]! >>> 16, ip.w[i]! & 0xffff);
  // longest run of zero groups (length ≥ 2) becomes "::" (RFC 5952)
  let best = -1;
  let bestLen = 0;
  for (let i = 0; i < 8;) {
    if (g[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && g[j] === 0) j++;
    if (j - i > bestLen && j - i >= 2) {
      best = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = g.map((x) => x.toString(16));
  if (best < 0) return hex.join(':');
  return `${hex.slice(0, best).join(':')}::${hex.slice(best + bestLen).join(':')}`;
}

/** IPv4 CIDR → [first, last] as uint32. */
export function cidr4(base: number, prefix: number): [number, number] {
  if (prefix <= 0) return [0, 0xffffffff];
  const size = 2 ** (32 - prefix);
  const first = Math.floor(base / size) * size;
  return [first, first + size - 1];
}

/** IPv6 CIDR → [first, last] as 4 words each. */
export function cidr6(w: Uint32Array, prefix: number): [Uint32Array, Uint32Array] {
  const first = new Uint32Array(4);
  const last = new Uint32Array(4);
  for (let i = 0; i < 4; i++) {
    const bits = Math.max(0, Math.min(32, prefix - i * 32));
    const mask = bits === 0 ? 0 : bits === 32 ? 0xffffffff : (0xffffffff << (32 - bits)) >>> 0;
    first[i] = (w[i]! & mask) >>> 0;
    last[i] = (first[i]! | (~mask >>> 0)) >>> 0;
  }
  return [first, last];
}
