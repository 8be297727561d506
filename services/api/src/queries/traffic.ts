import { decodeOffset } from './cursor.js';
import { DIMENSIONS, ROLLUP_BREAKDOWNS, orderBy, type DimensionName } from './dimensions.js';
import { pickFilters } from './filters.js';
import { goalOnRollups, type GoalDef } from './goals.js';
import { resolveRange } from './range.js';
import { chooseRead, type Read } from './rollups.js';
import { goalsOf, goalsOfSite, resolveSaved } from './saved.js';
import type { BreakdownQuery, EventPropertiesQuery, StatsQuery, TimeseriesQuery } from './schemas.js';
import { buildScope, type Scope } from './scope.js';
import {
  breakdown as breakdownSql,
  breakdownDays,
  breakdownRollup,
  entryExit as entryExitSql,
  entryExitRollup,
  eventProperties as eventPropertiesSql,
  namesBreakdown,
} from './statements/breakdown.js';
import { convertersByColumnRollup, withConversions, type ConverterSpec } from './statements/goals.js';
import { overview as overviewSql, overviewDays, overviewRollup } from './statements/overview.js';
import { daysScope, type DaysScope } from './statements/rollup-days.js';
import { timeseries as timeseriesSql, timeseriesDays, timeseriesRollup } from './statements/timeseries.js';
import {
  checkBuckets,
  offsetPage,
  runStatement,
  scopeOf,
  siteTimeZone,
  type Statement,
  type StatsDeps,
  type StatsSite,
} from './stats.js';
import type { PeriodTotals } from '../answers.js';

/**
 * The traffic questions (overview, time series, breakdowns): each has twin statements, from events,
 * hourly rollups and per-day aggregates (statements/overview.ts, timeseries.ts, breakdown.ts);
 * chooseRead (rollups.ts) decides which one answers, and the X-Beacon-Source header says it.
 */

/** What a stats query asks about: its range in its timezone, its filters and goal filters. */
export function questionOf(site: StatsSite, q: StatsQuery) {
  const tz = siteTimeZone(site, q.tz);
  return { tz, range: resolveRange(q, tz), filters: pickFilters(q), goals: goalsOf(q) };
}

/** The twin of `read`'s source among a question's statements. */
export function twinOf(
  read: Read,
  s: Scope,
  twins: { events: () => string; rollup: () => string; days?: (d: DaysScope) => string },
): string {
  if (read.source === 'days') {
    if (!twins.days) throw new Error('no rollup_days statement for this question');
    return twins.days(daysScope(s, read.plan));
  }
  return twins[read.source]();
}

// The answer shape is inferred from its zod schema (one source: src/answers.ts).
export type { PeriodTotals } from '../answers.js';

/** Relative change current vs previous ((cur - prev) / prev), null when prev is 0 or missing. */
function change(cur: number | null, prev: number | null): number | null {
  if (cur === null || prev === null || prev === 0) return null;
  return (cur - prev) / prev;
}

export async function overview(deps: StatsDeps, site: StatsSite, q: StatsQuery) {
  q = await resolveSaved(deps.pool, site, q);
  const { range, filters, goals } = questionOf(site, q);
  const read = await chooseRead(deps, site.scriptId, range, filters, { withPrevious: true, goals });
  const s = buildScope(site.scriptId, range, filters, { goals, withPrevious: true });
  const text = twinOf(read, s, {
    events: () => overviewSql(s),
    rollup: () => overviewRollup(s),
    days: overviewDays,
  });
  const rows = await runStatement<PeriodTotals & { period: string; parts?: number }>(
    deps,
    'overview',
    text,
    s.p.values,
    read.source,
  );
  const pick = (period: string): PeriodTotals => {
    const { period: _p, parts: _n, ...rest } = rows.find((r) => r.period === period)!;
    return rest;
  };
  const current = pick('current');
  const previous = pick('previous');
  const keys = Object.keys(current) as (keyof PeriodTotals)[];
  return {
    current,
    previous,
    change: Object.fromEntries(keys.map((k) => [k, change(current[k], previous[k])])) as Record<
      keyof PeriodTotals,
      number | null
    >,
  };
}

export async function timeseries(deps: StatsDeps, site: StatsSite, q: TimeseriesQuery) {
  q = await resolveSaved(deps.pool, site, q);
  const { tz, range, filters, goals } = questionOf(site, q);
  checkBuckets(range.hours, q.interval);
  const days = q.interval === 'hour' ? 'never' : 'prefer';
  const read = await chooseRead(deps, site.scriptId, range, filters, { goals, days });
  const s = buildScope(site.scriptId, range, filters, { goals });
  const unit = s.p.add(q.interval);
  const text = twinOf(read, s, {
    events: () => timeseriesSql(s, unit),
    rollup: () => timeseriesRollup(s, unit),
    days: (d) => timeseriesDays(d, unit),
  });
  const rows = await runStatement<{ parts?: number }>(deps, 'timeseries', text, s.p.values, read.source);
  return { interval: q.interval, tz, items: rows.map(({ parts: _n, ...r }) => r) };
}

type Paging = { limit: number; offset: number };

/** Entry / exit pages are read per session: their first / last page view. */
const perSessionOf = (dimension: DimensionName) => {
  const d = DIMENSIONS[dimension];
  return 'perSession' in d ? d.perSession : undefined;
};

/** ORDER BY of a breakdown: per-session rows have no page views or events of their own. */
function breakdownOrder(dimension: DimensionName, q: Pick<BreakdownQuery, 'sort' | 'order'>): string {
  const perRowOnly = q.sort === 'page_views' || q.sort === 'events';
  return orderBy(perSessionOf(dimension) && perRowOnly ? 'sessions' : q.sort, q.order);
}

/** Statement and values of a breakdown from events (shared with the CSV export, which leaves out paging). */
export function breakdownStatement(
  site: StatsSite,
  dimension: DimensionName,
  q: Omit<BreakdownQuery, 'limit' | 'cursor'>,
  page?: Paging,
  conversionGoal?: GoalDef | null,
) {
  const s = scopeOf(site, q);
  const d = DIMENSIONS[dimension];
  const perSession = perSessionOf(dimension);
  const ob = breakdownOrder(dimension, q);
  const limit = s.p.add(page ? page.limit + 1 : null);
  const offset = s.p.add(page?.offset ?? 0);
  const text = perSession
    ? entryExitSql(s, perSession, ob, limit, offset)
    : breakdownSql(s, d.column, d.only, ob, limit, offset);
  if (!conversionGoal) return { text, values: s.p.values };
  const spec: ConverterSpec = perSession
    ? { from: 'events', perSession }
    : { from: 'events', column: d.column, only: d.only };
  return { text: withConversions(s, text, conversionGoal, spec, ob), values: s.p.values };
}

/**
 * Where a breakdown is read from. Pages and custom events have one rollup_days row per name and day,
 * and merging thousands of sketches per name measured slower than the hourly rows (docs/rollups.md,
 * benchmark): from days only where the hourly rows are gone (compacted days).
 */
async function breakdownRead(
  deps: StatsDeps,
  site: StatsSite,
  dimension: DimensionName,
  q: Omit<BreakdownQuery, 'cursor'>,
  conv: GoalDef | null,
): Promise<Read> {
  const spec = ROLLUP_BREAKDOWNS[dimension];
  if (!spec && !perSessionOf(dimension)) return { source: 'events' };
  if (conv && !goalOnRollups(conv)) return { source: 'events' };
  const { range, filters, goals } = questionOf(site, q);
  const days = !spec || conv ? 'never' : 'column' in spec ? 'prefer' : 'compacted';
  const filterable = !(spec && 'kind' in spec);
  return chooseRead(deps, site.scriptId, range, filters, { filterable, goals, days });
}

/** Statement and values of a breakdown from hourly rollups or rollup_days (`read` from breakdownRead). */
function rolledBreakdown(
  site: StatsSite,
  dimension: DimensionName,
  q: Omit<BreakdownQuery, 'cursor'>,
  page: Paging,
  read: Read,
  conv: GoalDef | null,
): Statement & { converters?: Statement } {
  const { range, filters, goals } = questionOf(site, q);
  const s = buildScope(site.scriptId, range, filters, { goals });
  const spec = ROLLUP_BREAKDOWNS[dimension];
  const perSession = perSessionOf(dimension);
  const ob = breakdownOrder(dimension, q);
  const limit = s.p.add(page.limit + 1);
  const offset = s.p.add(page.offset);
  const hourly = () =>
    perSession
      ? entryExitRollup(s, perSession, ob, limit, offset)
      : 'kind' in spec!
        ? namesBreakdown(s, spec.kind, ob, limit, offset)
        : breakdownRollup(s, spec!.column, spec!.only, ob, limit, offset);
  // A session-level column with conversions: the plain breakdown, and beside it the converters per
  // value (a statement of its own scope: a scope numbers the parameters of one statement).
  if (conv && read.source !== 'days' && !perSession && 'column' in spec!) {
    const c = buildScope(site.scriptId, range, filters, { goals });
    const converters = convertersByColumnRollup(c, spec.column, spec.only, conv);
    return { text: hourly(), values: s.p.values, converters: { text: converters, values: c.p.values } };
  }
  const text =
    read.source === 'days' ? breakdownDays(daysScope(s, read.plan), spec!, ob, limit, offset) : hourly();
  if (!conv) return { text, values: s.p.values };
  const cs: ConverterSpec = perSession
    ? { from: 'rollup_sessions', perSession }
    : 'kind' in spec!
      ? { from: 'rollup_names', kind: spec.kind }
      : { from: 'rollup_sessions', column: spec!.column, only: spec!.only };
  return { text: withConversions(s, text, conv, cs, ob), values: s.p.values };
}

export async function breakdown(
  deps: StatsDeps,
  site: StatsSite,
  dimension: DimensionName,
  q: BreakdownQuery,
) {
  q = await resolveSaved(deps.pool, site, q);
  const page = { limit: q.limit, offset: decodeOffset(q.cursor) };
  // conversion_goal: two more columns, converters and conversion_rate, for that goal.
  const conv = q.conversion_goal
    ? (await goalsOfSite(deps.pool, site.scriptId, [q.conversion_goal]))[0]!
    : null;
  const read = await breakdownRead(deps, site, dimension, q, conv);
  const st: Statement & { converters?: Statement } =
    read.source === 'events'
      ? breakdownStatement(site, dimension, q, page, conv)
      : rolledBreakdown(site, dimension, q, page, read, conv);
  const run = <T>(text: string, values: unknown[]) =>
    runStatement<T>(deps, `breakdown_${dimension}`, text, values, read.source);
  // Side by side on two connections: the answer waits for the longer of the two, not their sum.
  const [counted, converters] = await Promise.all([
    run<BreakdownRow>(st.text, st.values),
    st.converters ? run<ConvertersRow>(st.converters.text, st.converters.values) : undefined,
  ]);
  const rows = converters ? withConvertersBeside(counted, converters) : counted;
  return {
    dimension,
    ...offsetPage(
      rows.map(({ parts: _n, ...r }) => r),
      q.limit,
      page.offset,
    ),
  };
}

interface BreakdownRow {
  value?: unknown;
  visitors?: number;
  parts?: number;
}
interface ConvertersRow {
  value: unknown;
  converters: number;
}

/**
 * A breakdown page's rows with converters and conversion_rate from the converters per value (every
 * value; rows match by value, NULL included), as withConversions joins them in SQL.
 */
function withConvertersBeside(rows: BreakdownRow[], byValue: ConvertersRow[]) {
  const converters = new Map(byValue.map((c) => [c.value, Number(c.converters)]));
  return rows.map((r) => {
    const n = converters.get(r.value ?? null) ?? 0;
    return { ...r, converters: n, conversion_rate: r.visitors ? n / r.visitors : null };
  });
}

/** Custom events by property and value (raw events: properties are not rolled up). */
export async function eventProperties(deps: StatsDeps, site: StatsSite, q: EventPropertiesQuery) {
  const offset = decodeOffset(q.cursor);
  const s = scopeOf(site, q);
  const text = eventPropertiesSql(s, s.p.add(q.limit + 1), s.p.add(offset));
  const rows = await runStatement(deps, 'event_properties', text, s.p.values);
  return offsetPage(rows, q.limit, offset);
}
