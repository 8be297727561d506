import type { IpRange, ParsedIp } from '@beacon/schema';

/**
 * The one range index of Beacon (CIDR / start-end → value): typed arrays of range starts/ends (IPv6 as
 * four uint32 words each) with one uint32 value per range, looked up by binary search without BigInt.
 * Used for the ASN table of @ip-location-db/asn (~400k IPv4 + ~100k IPv6 ranges), the hosting / VPN /
 * crawler / proxy lists (membership: value 0) and each agency's own company ranges (value = the
 * company's position in the caller's table).
 *
 * Ranges may overlap on input; the index is flattened at build time so that every address maps to the
 * narrowest input range holding it (an office /28 inside a head office /16 wins; equal sizes: the range
 * added first wins), and touching pieces with the same value become one (so membership lists merge).
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

  /** Number of (flattened) ranges. */
  get size(): number {
    return this.v4Value.length + this.v6Value.length;
  }

  get bytes(): number {
    const arrays = [this.v4Start, this.v4End, this.v4Value, this.v6Start, this.v6End, this.v6Value];
    return arrays.reduce((s, a) => s + a.byteLength, 0);
  }

  /** The value of the range holding `ip`, or -1. */
  find(ip: ParsedIp): number {
    if (ip.v === 4) {
      const at = lastAtOrBelow(this.v4Value.length, (i) => this.v4Start[i]! <= ip.n);
      return at >= 0 && this.v4End[at]! >= ip.n ? this.v4Value[at]! : -1;
    }
    const at = lastAtOrBelow(this.v6Value.length, (i) => cmpWords(this.v6Start, i * 4, ip.w, 0) <= 0);
    return at >= 0 && cmpWords(this.v6End, at * 4, ip.w, 0) >= 0 ? this.v6Value[at]! : -1;
  }

  has(ip: ParsedIp): boolean {
    return this.find(ip) >= 0;
  }
}

/** Binary search: the last index in [0, n) for which `atOrBelow` holds (it holds for a prefix), or -1. */
function lastAtOrBelow(n: number, atOrBelow: (i: number) => boolean): number {
  let lo = 0;
  let hi = n - 1;
  let at = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    if (atOrBelow(mid)) {
      at = mid;
      lo = mid + 1;
    } else hi = mid - 1;
  }
  return at;
}

/** Compares 4 words of `a` at `ao` with 4 words of `b` at `bo`: <0, 0, >0. */
function cmpWords(a: ArrayLike<number>, ao: number, b: ArrayLike<number>, bo: number): number {
  for (let k = 0; k < 4; k++) {
    const x = a[ao + k]!;
    const y = b[bo + k]!;
    if (x !== y) return x < y ? -1 : 1;
  }
  return 0;
}

/** A flattened piece of the address line: [start, end] belongs to `value`. */
interface Piece<K> {
  start: K;
  end: K;
  value: number;
}

/**
 * Flattens possibly overlapping ranges (keys: numbers for IPv4, BigInts for IPv6) into sorted, disjoint
 * pieces. After one sort, ranges are taken in clusters of ranges that overlap one another; a lone range
 * is copied, and only a cluster takes the sweep over its boundaries (the ASN table has one overlap in
 * ~400k IPv4 ranges: a sweep over the whole table made its build ~6x slower).
 */
function flatten<K extends number | bigint>(
  starts: readonly K[],
  ends: readonly K[],
  values: readonly number[],
  next: (k: K) => K,
  narrower: (a: number, b: number) => boolean,
): Piece<K>[] {
  const order = starts.map((_, i) => i).sort((a, b) => cmpKey(starts[a]!, starts[b]!) || a - b);
  const out: Piece<K>[] = [];
  const push = (start: K, end: K, value: number) => {
    const last = out[out.length - 1];
    if (last && last.value === value && next(last.end) === start) last.end = end;
    else out.push({ start, end, value });
  };
  for (let k = 0; k < order.length;) {
    const first = order[k]!;
    let reach = ends[first]!;
    let j = k + 1;
    for (; j < order.length && starts[order[j]!]! <= reach; j++)
      if (ends[order[j]!]! > reach) reach = ends[order[j]!]!;
    if (j === k + 1) push(starts[first]!, ends[first]!, values[first]!);
    else
      sweep(
        order.slice(k, j),
        starts,
        (i) => next(ends[i]!),
        narrower,
        (s, e, i) => push(s, e, values[i]!),
      );
    k = j;
  }
  return out;
}

/** The narrowest-wins pieces of one cluster of overlapping ranges, in address order. */
function sweep<K extends number | bigint>(
  cluster: readonly number[],
  starts: readonly K[],
  after: (i: number) => K,
  narrower: (a: number, b: number) => boolean,
  emit: (start: K, end: K, idx: number) => void,
): void {
  type Edge = { at: K; open: boolean; idx: number };
  const edges: Edge[] = [];
  for (const idx of cluster)
    edges.push({ at: starts[idx]!, open: true, idx }, { at: after(idx), open: false, idx });
  edges.sort((a, b) => cmpKey(a.at, b.at));
  const active = new Set<number>();
  for (let e = 0; e < edges.length;) {
    const at = edges[e]!.at;
    for (; e < edges.length && edges[e]!.at === at; e++) {
      if (edges[e]!.open) active.add(edges[e]!.idx);
      else active.delete(edges[e]!.idx);
    }
    if (active.size === 0 || e >= edges.length) continue;
    let best = -1;
    for (const idx of active)
      if (best < 0 || narrower(idx, best) || (!narrower(best, idx) && idx < best)) best = idx;
    const end = edges[e]!.at;
    emit(at, (typeof end === 'bigint' ? end - 1n : (end as number) - 1) as K, best);
  }
}

function cmpKey<K extends number | bigint>(a: K, b: K): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

const MASK32 = 0xffffffffn;

function words(v: bigint, into: number[]): void {
  into.push(
    Number((v >> 96n) & MASK32),
    Number((v >> 64n) & MASK32),
    Number((v >> 32n) & MASK32),
    Number(v & MASK32),
  );
}

/** Collects ranges, then flattens them into a RangeIndex (see RangeIndex for the overlap rule). */
export class RangeIndexBuilder {
  private readonly v4s: number[] = [];
  private readonly v4e: number[] = [];
  private readonly v4v: number[] = [];
  private readonly v6s: bigint[] = [];
  private readonly v6e: bigint[] = [];
  private readonly v6v: number[] = [];

  /** IPv4 range by its first and last address as numbers (what a numeric CSV gives). */
  add4(first: number, last: number, value = 0): void {
    this.v4s.push(first);
    this.v4e.push(last);
    this.v4v.push(value);
  }

  add(range: IpRange, value = 0): void {
    if (range.family === 4) this.add4(Number(range.start), Number(range.end), value);
    else {
      this.v6s.push(range.start);
      this.v6e.push(range.end);
      this.v6v.push(value);
    }
  }

  build(): RangeIndex {
    const v4 = flatten(
      this.v4s,
      this.v4e,
      this.v4v,
      (k) => k + 1,
      (a, b) => this.v4e[a]! - this.v4s[a]! < this.v4e[b]! - this.v4s[b]!,
    );
    const v6 = flatten(
      this.v6s,
      this.v6e,
      this.v6v,
      (k) => k + 1n,
      (a, b) => this.v6e[a]! - this.v6s[a]! < this.v6e[b]! - this.v6s[b]!,
    );
    const s6: number[] = [];
    const e6: number[] = [];
    for (const p of v6) {
      words(p.start, s6);
      words(p.end, e6);
    }
    return new RangeIndex(
      Uint32Array.from(v4, (p) => p.start),
      Uint32Array.from(v4, (p) => p.end),
      Uint32Array.from(v4, (p) => p.value),
      Uint32Array.from(s6),
      Uint32Array.from(e6),
      Uint32Array.from(v6, (p) => p.value),
    );
  }
}
