import { cidr4, cidr6, parseIp, type ParsedIp } from './ip.js';

/**
 * A compact sorted range index over IPv4 and IPv6: typed arrays of range starts/ends (IPv6 as four
 * uint32 words each) with one uint32 value per range, looked up by binary search. Used for the ASN
 * table of @ip-location-db/asn (~400k IPv4 + ~100k IPv6 ranges, a few MB) and the hosting/VPN/crawler
 * CIDR lists. Ranges must not overlap once built (the builder merges overlapping membership ranges).
 */
export class RangeIndex {
  constructor(
    private readonly v4Start: Uint32Array,
    private readonly v4End: Uint32Array,
    private readonly v4Value: Uint32Array,
    private readonly v6Start: Uint32Array,
    private readonly v6End: Uint32Array,
    private readonly v6Value: Uint32Array,
  ) {}

  get size(): number {
    return this.v4Start.length + this.v6Value.length;
  }

  get bytes(): number {
    return (
      this.v4Start.byteLength +
      this.v4End.byteLength +
      this.v4Value.byteLength +
      this.v6Start.byteLength +
      this.v6End.byteLength +
      this.v6Value.byteLength
    );
  }

  /** The value of the range holding `ip`, or -1. */
  find(ip: ParsedIp): number {
    if (ip.v === 4) {
      const s = this.v4Start;
      let lo = 0;
      let hi = s.length - 1;
      let at = -1;
      const n = ip.n;
      while (lo <= hi) {
        const mid = (lo + hi) >>> 1;
        if (s[mid]! <= n) {
          at = mid;
          lo = mid + 1;
        } else hi = mid - 1;
      }
      return at >= 0 && this.v4End[at]! >= n ? this.v4Value[at]! : -1;
    }
    const s = this.v6Start;
    const w = ip.w;
    let lo = 0;
    let hi = this.v6Value.length - 1;
    let at = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      if (cmp6(s, mid, w) <= 0) {
        at = mid;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    return at >= 0 && cmp6(this.v6End, at, w) >= 0 ? this.v6Value[at]! : -1;
  }

  has(ip: ParsedIp): boolean {
    return this.find(ip) >= 0;
  }
}

/** Compares the 4-word entry `i` of `arr` with `w`: <0, 0, >0. */
function cmp6(arr: Uint32Array, i: number, w: Uint32Array): number {
  const o = i * 4;
  for (let k = 0; k < 4; k++) {
    const a = arr[o + k]!;
    const b = w[k]!;
    if (a !== b) return a < b ? -1 : 1;
  }
  return 0;
}

function cmpWords(a: Uint32Array | number[], ao: number, b: Uint32Array | number[], bo: number): number {
  for (let k = 0; k < 4; k++) {
    const x = a[ao + k]!;
    const y = b[bo + k]!;
    if (x !== y) return x < y ? -1 : 1;
  }
  return 0;
}

/** Collects ranges, then sorts them (and merges overlaps for membership sets) into a RangeIndex. */
export class RangeIndexBuilder {
  private v4s: number[] = [];
  private v4e: number[] = [];
  private v4v: number[] = [];
  private v6s: number[] = [];
  private v6e: number[] = [];
  private v6v: number[] = [];

  add4(first: number, last: number, value = 0): void {
    this.v4s.push(first);
    this.v4e.push(last);
    this.v4v.push(value);
  }

  add6(first: ArrayLike<number>, last: ArrayLike<number>, value = 0): void {
    for (let k = 0; k < 4; k++) this.v6s.push(first[k]!);
    for (let k = 0; k < 4; k++) this.v6e.push(last[k]!);
    this.v6v.push(value);
  }

  /** Adds "a.b.c.d/n", "x:y::/n" or a bare address; returns false for text that is not one. */
  addCidr(text: string, value = 0): boolean {
    const t = text.trim();
    if (!t) return false;
    const slash = t.indexOf('/');
    const ip = parseIp(slash >= 0 ? t.slice(0, slash) : t);
    if (!ip) return false;
    const prefix = slash >= 0 ? Number(t.slice(slash + 1)) : ip.v === 4 ? 32 : 128;
    if (!Number.isInteger(prefix)) return false;
    if (ip.v === 4) {
      // An IPv4-mapped IPv6 CIDR (::ffff:0:0/96+) is an IPv4 one.
      const p = slash >= 0 && t.indexOf(':') >= 0 ? prefix - 96 : prefix;
      if (p < 0 || p > 32) return false;
      const [a, b] = cidr4(ip.n, p);
      this.add4(a, b, value);
    } else {
      if (prefix < 0 || prefix > 128) return false;
      const [a, b] = cidr6(ip.w, prefix);
      this.add6(a, b, value);
    }
    return true;
  }

  /**
   * Sorts by start. With `merge` (membership sets) overlapping or adjacent ranges with the same value
   * become one; without it, a range that starts inside the previous one is dropped (first wins).
   */
  build(merge = false): RangeIndex {
    // IPv4
    const n4 = this.v4s.length;
    const order4 = Array.from({ length: n4 }, (_, i) => i).sort((a, b) => this.v4s[a]! - this.v4s[b]!);
    const s4: number[] = [];
    const e4: number[] = [];
    const val4: number[] = [];
    for (const i of order4) {
      const s = this.v4s[i]!;
      const e = this.v4e[i]!;
      const v = this.v4v[i]!;
      const last = s4.length - 1;
      if (last >= 0 && s <= e4[last]! + (merge ? 1 : 0)) {
        if (merge && v === val4[last]) {
          if (e > e4[last]!) e4[last] = e;
          continue;
        }
        if (s <= e4[last]!) continue; // overlap with another value: the first range wins
      }
      s4.push(s);
      e4.push(e);
      val4.push(v);
    }
    // IPv6
    const n6 = this.v6v.length;
    const S = this.v6s;
    const E = this.v6e;
    const order6 = Array.from({ length: n6 }, (_, i) => i).sort((a, b) => cmpWords(S, a * 4, S, b * 4));
    const s6: number[] = [];
    const e6: number[] = [];
    const val6: number[] = [];
    for (const i of order6) {
      const v = this.v6v[i]!;
      const k = val6.length - 1;
      if (k >= 0 && cmpWords(S, i * 4, e6, k * 4) <= 0) {
        if (merge && v === val6[k] && cmpWords(E, i * 4, e6, k * 4) > 0)
          for (let j = 0; j < 4; j++) e6[k * 4 + j] = E[i * 4 + j]!;
        continue;
      }
      for (let j = 0; j < 4; j++) s6.push(S[i * 4 + j]!);
      for (let j = 0; j < 4; j++) e6.push(E[i * 4 + j]!);
      val6.push(v);
    }
    return new RangeIndex(
      Uint32Array.from(s4),
      Uint32Array.from(e4),
      Uint32Array.from(val4),
      Uint32Array.from(s6),
      Uint32Array.from(e6),
      Uint32Array.from(val6),
    );
  }
}
