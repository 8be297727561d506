import { rollupDaysSql } from '@beacon/db';
import type { Scope } from '../scope.js';

/**
 * What the statements reading the anonymous per-day aggregates (rollup_days `d`, migration 0130) share.
 * Such a statement adds up frozen days of the request's timezone over [lo, edge) and the hourly
 * rollups over [edge, hi) (docs/rollups.md, "Reading long ranges"; the plan: ../days.ts). It returns
 * the columns of its raw and hourly twins plus `parts` (pieces merged; the API drops it): with one
 * piece visitors and sessions are exact, with more they are the cardinality of the union of the
 * pieces' HyperLogLog sketches. Counters are exact sums. No filters: rollup_days has no
 * cross-dimension rows.
 */
export interface DaysScope extends Pick<Scope, 'p' | 'site' | 'tz' | 'lo' | 'hi' | 'prevLo'> {
  /** End of the frozen days from `lo` (placeholder); hourly rows from there to `hi`. */
  edge: string;
  /** The same for the previous period (overview only). */
  prevEdge: string;
}

/** A scope's fragments with the plan's edges (placeholders added on first use only). */
export function daysScope(s: Scope, plan: { edge: number; prevEdge?: number }): DaysScope {
  let edge: string | undefined;
  let prevEdge: string | undefined;
  return {
    p: s.p,
    site: s.site,
    get tz() {
      return s.tz;
    },
    lo: s.lo,
    hi: s.hi,
    get prevLo() {
      return s.prevLo;
    },
    get edge() {
      return (edge ??= s.p.add(new Date(plan.edge)));
    },
    get prevEdge() {
      return (prevEdge ??= s.p.add(new Date(plan.prevEdge ?? plan.edge)));
    },
  };
}

export const sketch = rollupDaysSql.sketchOf;
/** Distinct non-zero keys (0 stands for "no id"). */
export const distinct = (key: string) => `count(DISTINCT ${key}) FILTER (WHERE ${key} <> 0)`;
/** Exact with one piece, else the sketches' union. */
export const merged = (col: string) =>
  `CASE WHEN count(*) = 1 THEN sum(${col}) ELSE round(hll_cardinality(hll_union_agg(${col}_hll))) END`;

/**
 * $1 site, $2 from, $3 to. Out: starts_at, ends_at, tz, compacted of the site's frozen days
 * overlapping [from, to), in order (the API plans a read from them).
 */
export const daysOverlapping = `
SELECT starts_at, ends_at, tz, compacted FROM rollup_days
WHERE site_id = $1 AND dim = 'total' AND starts_at < $3::timestamptz AND ends_at > $2::timestamptz
ORDER BY starts_at`;
