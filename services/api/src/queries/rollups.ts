import { prepared, rollupSql } from '@beacon/db';
import type { QueryConfig } from 'pg';
import { compactedWithin, planDays, type DaysPlan } from './days.js';
import type { Filters } from './filters.js';
import { goalOnRollups, type GoalDef } from './goals.js';
import type { Bound, ResolvedRange } from './range.js';
import { tzOffsetMinutes } from '../time-zones.js';

/**
 * When a dashboard question may be answered from rollups (docs/rollups.md) instead of raw events.
 * Rollups hold non-bot counts per UTC hour and session-level dimensions, so they answer exactly when:
 *   - reading rollups is on (ROLLUPS_READ),
 *   - the request's filters are only on session-level columns that rollup_sessions keeps
 *     (ROLLUP_FILTER_KEYS: country, device, browser, OS, visitor type, referrer, channel, UTM
 *     source/medium/campaign, company), never ask for bots (bots are not rolled up), and there are
 *     none at all for questions answered from rollup_names (pages, custom events),
 *   - every bound of the range (and of the previous period) is a whole UTC hour, which holds for day
 *     ranges in every timezone whose offset is a whole number of hours, and for instants on the hour,
 *   - the site's rollup_coverage starts at or before the earliest bound.
 * Anything else is answered from events — so is a range over days already compacted into rollup_days
 * that planDays (days.ts) cannot answer. The choice is the `source` label of
 * beacon_api_query_duration_seconds and the X-Beacon-Source response header.
 */
export type Source = 'rollup' | 'events' | 'days';

/** Where one question is read from; from rollup_days with the plan of the read (days.ts). */
export type Read = { source: 'events' | 'rollup' } | { source: 'days'; plan: DaysPlan };

/**
 * Filter keys (API query parameters) whose column rollup_sessions has under the same name: every
 * event of a rollup_sessions row has the same value, so filtering rows is filtering events.
 */
export const ROLLUP_FILTER_KEYS: ReadonlySet<string> = new Set(rollupSql.ROLLUP_DIMENSIONS);

export interface RollupDeps {
  pool: { query: (text: string | QueryConfig, values?: unknown[]) => Promise<{ rows: unknown[] }> };
  /** ROLLUPS_READ (default on). */
  rollups?: boolean;
}

const HOUR = 3_600_000;

/** The UTC instant (ms) of a bound; null when it is not a whole UTC hour. */
export function boundInstant(b: Bound, tz: string): number | null {
  if ('instant' in b) {
    const t = Date.parse(b.instant);
    return t % HOUR === 0 ? t : null;
  }
  const wall = Date.parse(`${b.local}T00:00:00Z`);
  let t = wall - tzOffsetMinutes(tz, wall) * 60_000;
  t = wall - tzOffsetMinutes(tz, t) * 60_000;
  // The zone's offset at both ends must be whole hours for local buckets to be unions of UTC hours.
  if (tzOffsetMinutes(tz, t) % 60 !== 0) return null;
  return t % HOUR === 0 ? t : null;
}

export function sinceMs(v: unknown): number | null {
  if (v === null || v === undefined) return null;
  if (v instanceof Date) return v.getTime();
  if (typeof v === 'number') return v;
  if (typeof v === 'string')
    return v.startsWith('-inf') ? -Infinity : v === 'infinity' ? Infinity : Date.parse(v);
  return null;
}

/** Whether rollups hold the events these filters select (see above). */
export function filtersAnswerable(filters: Filters, filterable: boolean): boolean {
  const keys = Object.keys(filters) as (keyof Filters)[];
  if (keys.length === 0) return true;
  if (!filterable) return false;
  if (!keys.every((k) => ROLLUP_FILTER_KEYS.has(k))) return false;
  return !(filters.visitor_type ?? []).includes('bot');
}

/**
 * Decides the source of one question. `withPrevious`: the statement also reads the previous period
 * (overview). `filterable`: the rollup statement reads rollup_sessions and takes the request's filters.
 * One indexed lookup of rollup_coverage when the request could use rollups at all.
 */
export async function chooseSource(
  deps: RollupDeps,
  siteScriptId: string,
  range: ResolvedRange,
  filters: Filters,
  opts: { withPrevious?: boolean; filterable?: boolean; goals?: readonly GoalDef[] } = {},
): Promise<'rollup' | 'events'> {
  const withPrevious = opts.withPrevious ?? false;
  if (deps.rollups === false) return 'events';
  if (!filtersAnswerable(filters, opts.filterable ?? true)) return 'events';
  // Goal filters are visitor-level: rollup_names answer them when they see the goal's events.
  if (!(opts.goals ?? []).every(goalOnRollups)) return 'events';
  const bounds = withPrevious ? [range.prevFrom, range.from, range.to] : [range.from, range.to];
  const instants = bounds.map((b) => boundInstant(b, range.tz));
  if (instants.some((t) => t === null)) return 'events';
  const { rows } = await deps.pool.query(prepared(rollupSql.coverageOf, [siteScriptId]));
  const since = sinceMs((rows[0] as { since?: unknown } | undefined)?.since);
  if (since === null || !(since <= Math.min(...(instants as number[])))) return 'events';
  // Compacted days have no hourly rows left: only rollup_days (planDays) or events answer over them.
  const lo = Math.min(...(instants as number[]));
  const hi = Math.max(...(instants as number[]));
  if (await compactedWithin(deps, siteScriptId, lo, hi)) return 'events';
  return 'rollup';
}

export interface ReadOptions {
  /** The statement also reads the previous period (overview). */
  withPrevious?: boolean;
  /** The hourly statement reads rollup_sessions and takes the request's filters (not rollup_names). */
  filterable?: boolean;
  goals?: readonly GoalDef[];
  /**
   * rollup_days: 'prefer' them where planDays has a plan (default); 'compacted' only where the range
   * holds a compacted day (the hourly rows are gone there; pages and custom events, whose many names
   * per day merge slower than the hourly rows: docs/rollups.md); 'never'.
   */
  days?: 'prefer' | 'compacted' | 'never';
}

/** The one place that decides where a question is read from: rollup_days, hourly rollups or events. */
export async function chooseRead(
  deps: RollupDeps,
  siteScriptId: string,
  range: ResolvedRange,
  filters: Filters,
  opts: ReadOptions = {},
): Promise<Read> {
  const days = opts.days ?? 'prefer';
  if (days !== 'never') {
    const plan = await planDays(deps, siteScriptId, range, filters, opts);
    if (plan && (days === 'prefer' || plan.compacted)) return { source: 'days', plan };
  }
  return { source: await chooseSource(deps, siteScriptId, range, filters, opts) };
}
