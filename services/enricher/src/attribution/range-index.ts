import { ipv4ToNumber, parseIp, type IpRange } from '@beacon/schema';

/**
 * A sorted, non-overlapping index of IP ranges for lookups in O(log n) on the hot path. Ranges may
 * overlap on input; the index is flattened at build time so that every address maps to the narrowest
 * input range that contains it (an office /28 inside a head-office /16 wins; equal sizes: the range
 * given first wins). IPv4 bounds live in Float64Arrays (exact for 32-bit integers), IPv6 in BigInt
 * arrays; an IPv4-mapped IPv6 address is looked up as IPv4.
 */
export interface RangeInput<T> extends IpRange {
  value: T;
}

interface Segment {
  start: bigint;
  end: bigint;
  idx: number;
}

function flatten<T>(ranges: readonly RangeInput<T>[]): Segment[] {
  if (ranges.length === 0) return [];
  // Boundaries: every start and every end+1.
  type Ev = { at: bigint; open: boolean; idx: number };
  const events: Ev[] = [];
  ranges.forEach((r, idx) => {
    events.push({ at: r.start, open: true, idx });
    events.push({ at: r.end + 1n, open: false, idx });
  });
  events.sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : 0));
  const active = new Set<number>();
  const size = (i: number) => ranges[i]!.end - ranges[i]!.start;
  const out: Segment[] = [];
  let i = 0;
  while (i < events.length) {
    const at = events[i]!.at;
    while (i < events.length && events[i]!.at === at) {
      const e = events[i]!;
      if (e.open) active.add(e.idx);
      else active.delete(e.idx);
      i++;
    }
    if (active.size === 0 || i >= events.length) continue;
    let best = -1;
    for (const idx of active) {
      if (best < 0 || size(idx) < size(best) || (size(idx) === size(best) && idx < best)) best = idx;
    }
    const next = events[i]!.at; // the next boundary: the segment ends just before it
    const last = out[out.length - 1];
    if (last && last.idx === best && last.end + 1n === at) last.end = next - 1n;
    else out.push({ start: at, end: next - 1n, idx: best });
  }
  return out;
}

export class RangeIndex<T> {
  private readonly v4Start: Float64Array;
  private readonly v4End: Float64Array;
  private readonly v4Val: T[];
  private readonly v6Start: bigint[];
  private readonly v6End: bigint[];
  private readonly v6Val: T[];
  /** Number of input ranges. */
  readonly size: number;

  constructor(ranges: readonly RangeInput<T>[]) {
    this.size = ranges.length;
    const v4 = flatten(ranges.filter((r) => r.family === 4));
    const v6In = ranges.filter((r) => r.family === 6);
    const v6 = flatten(v6In);
    const v4In = ranges.filter((r) => r.family === 4);
    this.v4Start = Float64Array.from(v4, (s) => Number(s.start));
    this.v4End = Float64Array.from(v4, (s) => Number(s.end));
    this.v4Val = v4.map((s) => v4In[s.idx]!.value);
    this.v6Start = v6.map((s) => s.start);
    this.v6End = v6.map((s) => s.end);
    this.v6Val = v6.map((s) => v6In[s.idx]!.value);
  }

  /** The value of the narrowest range holding `ip`, or null (also for text that is not an address). */
  lookup(ip: string): T | null {
    const n = ipv4ToNumber(ip);
    if (n >= 0) return this.lookupV4(n);
    if (this.v6Start.length === 0 && this.v4Start.length === 0) return null;
    const p = parseIp(ip);
    if (!p) return null;
    return p.family === 4 ? this.lookupV4(Number(p.value)) : this.lookupV6(p.value);
  }

  private lookupV4(n: number): T | null {
    const starts = this.v4Start;
    let lo = 0;
    let hi = starts.length - 1;
    let found = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      if (starts[mid]! <= n) {
        found = mid;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    return found >= 0 && n <= this.v4End[found]! ? this.v4Val[found]! : null;
  }

  private lookupV6(v: bigint): T | null {
    const starts = this.v6Start;
    let lo = 0;
    let hi = starts.length - 1;
    let found = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      if (starts[mid]! <= v) {
        found = mid;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    return found >= 0 && v <= this.v6End[found]! ? this.v6Val[found]! : null;
  }
}
