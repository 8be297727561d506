import { hasSketches, prepared, rollupSql } from '@beacon/db';
import type { Filters } from './filters.js';
import type { GoalDef } from './goals.js';
import type { ResolvedRange } from './range.js';
import { boundInstant, sinceMs, type RollupDeps } from './rollups.js';
import { daysOverlapping } from './statements/rollup-days.js';

/**
 * When a question is answered from the anonymous per-day aggregates (rollup_days) plus the hourly
 * rollups for the recent edge (docs/rollups.md, "Reading long ranges"), and where the edge is.
 * Used when: rollups are read (ROLLUPS_READ), the request has no filter and no goal filter (rollup_days
 * has no cross-dimension rows), rollup_days has its hll sketches, the range's bounds are instants the
 * frozen days of the request's timezone start at, at least one frozen day starts the current period,
 * the hourly rollups cover the rest, and no compacted day lies in the part read from hourly rows.
 * Otherwise null: chooseSource decides between the hourly rollups and events (chooseRead, rollups.ts).
 */
export interface DaysPlan {
  /** End of the run of frozen days from the range's start (ms); hourly rows from there. */
  edge: number;
  /** Same for the previous period (withPrevious only). */
  prevEdge?: number;
  /** Some day of the range is compacted (no hourly rows left there). */
  compacted: boolean;
}

interface FrozenDay {
  starts_at: Date;
  ends_at: Date;
  tz: string;
  compacted: boolean;
}

/** End of the run of contiguous frozen days (zone `tz`) starting exactly at `lo`, capped at `hi`. */
function runEnd(days: readonly FrozenDay[], tz: string, lo: number, hi: number): number {
  let edge = lo;
  for (const d of days) {
    if (d.tz !== tz || d.starts_at.getTime() < edge) continue;
    if (d.starts_at.getTime() > edge || d.ends_at.getTime() > hi) break;
    edge = d.ends_at.getTime();
  }
  return edge;
}

export async function planDays(
  deps: RollupDeps,
  siteScriptId: string,
  range: ResolvedRange,
  filters: Filters,
  opts: { withPrevious?: boolean; goals?: readonly GoalDef[] } = {},
): Promise<DaysPlan | null> {
  if (deps.rollups === false || Object.keys(filters).length > 0 || (opts.goals ?? []).length > 0) return null;
  const withPrevious = opts.withPrevious ?? false;
  const lo = boundInstant(range.from, range.tz);
  const hi = boundInstant(range.to, range.tz);
  const prevLo = withPrevious ? boundInstant(range.prevFrom, range.tz) : lo;
  if (lo === null || hi === null || prevLo === null) return null;
  if (!(await hasSketches(deps.pool))) return null;
  const { rows } = await deps.pool.query(
    prepared(daysOverlapping, [siteScriptId, new Date(prevLo), new Date(hi)]),
  );
  const days = rows as FrozenDay[];
  const edge = runEnd(days, range.tz, lo, hi);
  if (edge === lo) return null;
  const prevEdge = withPrevious ? runEnd(days, range.tz, prevLo, lo) : undefined;
  // The hourly part must hold everything: no compacted day (its hourly rows are gone) overlaps it,
  // and the hourly rollups cover it.
  const hourly: [number, number][] = [[edge, hi]];
  if (prevEdge !== undefined) hourly.push([prevEdge, lo]);
  const open = hourly.filter(([a, b]) => a < b);
  for (const [a, b] of open)
    if (days.some((d) => d.compacted && d.starts_at.getTime() < b && d.ends_at.getTime() > a)) return null;
  if (open.length > 0) {
    const { rows: cov } = await deps.pool.query(prepared(rollupSql.coverageOf, [siteScriptId]));
    const since = sinceMs((cov[0] as { since?: unknown } | undefined)?.since);
    if (since === null || !(since <= Math.min(...open.map(([a]) => a)))) return null;
  }
  const compacted = days.some((d) => d.compacted && d.starts_at.getTime() < hi && d.ends_at.getTime() > lo);
  return { edge, prevEdge, compacted };
}

/**
 * Whether some compacted day overlaps [from, to): the hourly rollups no longer hold it, so a
 * question the per-day aggregates cannot answer goes to events.
 */
export async function compactedWithin(deps: RollupDeps, siteScriptId: string, from: number, to: number) {
  const { rows } = await deps.pool.query(
    prepared(daysOverlapping, [siteScriptId, new Date(from), new Date(to)]),
  );
  return (rows as FrozenDay[]).some((d) => d.compacted);
}
