import type { Pool } from 'pg';
import type { PeriodTotals } from '../answers.js';
import { rollupDaysReadSql, rollupReadSql } from '@beacon/db';
import { parseSiteConfig } from '@beacon/schema';
import { ApiError } from '../http/errors.js';
import { decodeKey, decodeOffset, encodeCursor } from './cursor.js';
import { DIMENSIONS, orderBy, type DimensionName } from './dimensions.js';
import { QueryInputError } from './errors.js';
import { pickFilters } from './filters.js';
import { Params } from './params.js';
import { isTimeZone, resolveRange } from './range.js';
import { buildNowScope, buildScope, type Scope } from './scope.js';
import { planDays } from './days.js';
import { chooseSource, type Source } from './rollups.js';
import { goalsOf, goalsOfSite, resolveSaved } from './saved.js';
import { goalOnRollups, type GoalDef } from './goals.js';
import { withConversions } from './statements/goals.js';
import type {
  BreakdownQuery,
  CompaniesQuery,
  EventPropertiesQuery,
  CompanyQuery,
  MatchRatesQuery,
  PagedQuery,
  RealtimeQuery,
  StatsQuery,
  TimeseriesQuery,
} from './schemas.js';
import * as seedSql from './statements/seed.js';
import { overview as overviewSql } from './statements/overview.js';
import { timeseries as timeseriesSql } from './statements/timeseries.js';
import {
  breakdown as breakdownSql,
  entryExit as entryExitSql,
  eventProperties as eventPropertiesSql,
} from './statements/breakdown.js';
import { realtime as realtimeSql } from './statements/realtime.js';
import { sessionEvents as sessionEventsSql, sessionList as sessionListSql } from './statements/sessions.js';
import {
  companyAgencyRanges as companyAgencyRangesSql,
  companyByDomain as companyByDomainSql,
  companyList as companyListSql,
  companyMatchSources as companyMatchSourcesSql,
  agencyHasMerges as agencyHasMergesSql,
  companyListMerged as companyListMergedSql,
  companyOverride as companyOverrideSql,
  domainsMergedInto as domainsMergedIntoSql,
  withCompanyOverrides,
} from './statements/companies.js';
import { matchRates as matchRatesSql } from './statements/match-rates.js';

/** The site a question is about (already resolved within the caller's agency by the route). */
export interface StatsSite {
  scriptId: string;
  config: unknown;
  /** The site's agency: every read of company facts is scoped by it (agency_companies). */
  agencyId: string;
}

export interface StatsDeps {
  pool: Pick<Pool, 'query'>;
  /** Called with each statement's duration (beacon_api_query_duration_seconds). */
  observe?: (endpoint: string, seconds: number, source: Source) => void;
  /** Answer from rollups where they cover the question (ROLLUPS_READ; default on). */
  rollups?: boolean;
  /** Told where each statement's answer came from (the route sets X-Beacon-Source). */
  onSource?: (source: Source) => void;
}

export interface Page<T> {
  items: T[];
  next_cursor: string | null;
}

/** Most buckets a time series may have (e.g. 800 days by day, 41 days by hour). */
export const MAX_BUCKETS = 1000;

/** The timezone of a question: the `tz` parameter, else the site's config, else UTC. */
export function siteTimeZone(site: StatsSite, tz?: string): string {
  if (tz) return tz;
  const configured = parseSiteConfig(site.config).timezone;
  return isTimeZone(configured) ? configured : 'UTC';
}

/** Turns a stats query into the shared scope (site, range in timezone, filters). */
export function scopeOf(site: StatsSite, q: StatsQuery, now = new Date()): Scope {
  const tz = siteTimeZone(site, q.tz);
  return buildScope(site.scriptId, resolveRange(q, tz, now), pickFilters(q), { goals: goalsOf(q) });
}

/**
 * PostgreSQL errors a client should see as such: 22007/22008/22023 are a date or timezone PostgreSQL
 * does not accept (e.g. a zone Intl knows and PG not) → 400; 57014 is the pool's statement timeout →
 * 503 (narrow the range or filters). Anything else is passed on unchanged (a logged 500).
 */
export function inputErrorOf(err: unknown): unknown {
  const code = (err as { code?: string }).code;
  if (code === '22007' || code === '22008' || code === '22023') {
    return new QueryInputError('PostgreSQL rejected a date or timezone of the request', { sqlstate: code });
  }
  if (code === '57014') {
    return new ApiError(
      503,
      'query_timeout',
      'the question took longer than the statement timeout; narrow the range or the filters',
      undefined,
      { 'retry-after': '5' },
    );
  }
  return err;
}

/** Runs one statement: records its source and duration, maps PostgreSQL input errors to 4xx. */
export async function runStatement<T>(
  deps: StatsDeps,
  endpoint: string,
  text: string,
  values: unknown[],
  source: Source = 'events',
): Promise<T[]> {
  deps.onSource?.(source);
  const started = performance.now();
  try {
    return (await deps.pool.query(text, values)).rows as T[];
  } catch (err) {
    throw inputErrorOf(err);
  } finally {
    deps.observe?.(endpoint, (performance.now() - started) / 1000, source);
  }
}

function offsetPage<T>(rows: T[], limit: number, offset: number): Page<T> {
  const more = rows.length > limit;
  return {
    items: more ? rows.slice(0, limit) : rows,
    next_cursor: more ? encodeCursor({ o: offset + limit }) : null,
  };
}

/** A page of a keyset-paged list; the statement's `cursor_ts` column feeds the cursor and is dropped. */
function keyPage<T extends { cursor_ts?: string }>(
  rows: T[],
  limit: number,
  key: (r: T) => string,
): Page<Omit<T, 'cursor_ts'>> {
  const more = rows.length > limit;
  const page = more ? rows.slice(0, limit) : rows;
  const last = page[page.length - 1];
  const next = more && last ? encodeCursor({ t: last.cursor_ts, k: key(last) }) : null;
  return {
    items: page.map(({ cursor_ts: _c, ...rest }) => rest),
    next_cursor: next,
  };
}

// ---------------------------------------------------------------------------------------------------
// The seed's five sample queries

export interface EventRow {
  id: string;
  server_timestamp: Date;
  cursor_ts: string;
  [column: string]: unknown;
}

export async function recentEvents(
  deps: StatsDeps,
  site: StatsSite,
  q: PagedQuery,
): Promise<Page<Omit<EventRow, 'cursor_ts'>>> {
  q = await resolveSaved(deps.pool, site, q);
  const s = scopeOf(site, q);
  const key = decodeKey(q.cursor);
  const after = key ? { t: s.p.add(key.t), id: s.p.add(key.k) } : null;
  if (key && !/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(key.k)) {
    throw new ApiError(400, 'invalid_cursor', 'the cursor is not one this API gave out');
  }
  const rows = await runStatement<EventRow>(
    deps,
    'events',
    seedSql.recentEvents(s, after, s.p.add(q.limit + 1)),
    s.p.values,
  );
  return keyPage(rows, q.limit, (r) => r.id);
}

export async function businessVisitors(deps: StatsDeps, site: StatsSite, q: PagedQuery) {
  q = await resolveSaved(deps.pool, site, q);
  const s = scopeOf(site, q);
  const offset = decodeOffset(q.cursor);
  const rows = await runStatement(
    deps,
    'business_visitors',
    seedSql.businessVisitors(s, s.p.add(site.agencyId), s.p.add(q.limit + 1), s.p.add(offset)),
    s.p.values,
  );
  return offsetPage(rows, q.limit, offset);
}

export async function sessionsByDay(deps: StatsDeps, site: StatsSite, q: StatsQuery) {
  q = await resolveSaved(deps.pool, site, q);
  const s = scopeOf(site, q);
  return { items: await runStatement(deps, 'sessions_by_day', seedSql.sessionsByDay(s), s.p.values) };
}

export async function topReferrers(deps: StatsDeps, site: StatsSite, q: PagedQuery) {
  q = await resolveSaved(deps.pool, site, q);
  const s = scopeOf(site, q);
  const offset = decodeOffset(q.cursor);
  const rows = await runStatement(
    deps,
    'top_referrers',
    seedSql.topReferrers(s, s.p.add(q.limit + 1), s.p.add(offset)),
    s.p.values,
  );
  return offsetPage(rows, q.limit, offset);
}

export async function utmCampaigns(deps: StatsDeps, site: StatsSite, q: PagedQuery) {
  q = await resolveSaved(deps.pool, site, q);
  const s = scopeOf(site, q);
  const offset = decodeOffset(q.cursor);
  const rows = await runStatement(
    deps,
    'utm_campaigns',
    seedSql.utmCampaigns(s, s.p.add(q.limit + 1), s.p.add(offset)),
    s.p.values,
  );
  return offsetPage(rows, q.limit, offset);
}

// ---------------------------------------------------------------------------------------------------
// Dashboard questions

// The answer shape is inferred from its zod schema (one source: src/answers.ts).
export type { PeriodTotals } from '../answers.js';

/** Relative change current vs previous ((cur - prev) / prev), null when prev is 0 or missing. */
function change(cur: number | null, prev: number | null): number | null {
  if (cur === null || prev === null || prev === 0) return null;
  return (cur - prev) / prev;
}

export async function overview(deps: StatsDeps, site: StatsSite, q: StatsQuery) {
  q = await resolveSaved(deps.pool, site, q);
  const tz = siteTimeZone(site, q.tz);
  const range = resolveRange(q, tz);
  const filters = pickFilters(q);
  const goals = goalsOf(q);
  const plan = await planDays(deps, site.scriptId, range, filters, { withPrevious: true, goals });
  const source = plan
    ? 'days'
    : await chooseSource(deps, site.scriptId, range, filters, { withPrevious: true, goals });
  const s = buildScope(site.scriptId, range, filters, {
    goals,
    rollup: source === 'rollup',
    withPrevious: true,
  });
  const text = plan
    ? rollupDaysReadSql.overview({
        site: s.site,
        tz: s.tz,
        lo: s.lo,
        hi: s.hi,
        prevLo: s.prevLo,
        edge: s.p.add(new Date(plan.edge)),
        prevEdge: s.p.add(new Date(plan.prevEdge!)),
      })
    : source === 'rollup'
      ? rollupReadSql.overview(s)
      : overviewSql(s);
  const rows = await runStatement<PeriodTotals & { period: string; parts?: number }>(
    deps,
    'overview',
    text,
    s.p.values,
    source,
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

/** The range fragments of a scope, for the rollup_days statements. */
const daysScope = (s: Scope) => ({ site: s.site, tz: s.tz, lo: s.lo, hi: s.hi });

export async function timeseries(deps: StatsDeps, site: StatsSite, q: TimeseriesQuery) {
  q = await resolveSaved(deps.pool, site, q);
  const tz = siteTimeZone(site, q.tz);
  const range = resolveRange(q, tz);
  const perBucket = { hour: 1, day: 24, week: 168, month: 672 }[q.interval];
  if (range.hours / perBucket > MAX_BUCKETS) {
    throw new QueryInputError(`more than ${MAX_BUCKETS} ${q.interval} buckets; use a longer interval`, {
      interval: q.interval,
    });
  }
  const filters = pickFilters(q);
  const goals = goalsOf(q);
  const plan = q.interval === 'hour' ? null : await planDays(deps, site.scriptId, range, filters, { goals });
  const source = plan ? 'days' : await chooseSource(deps, site.scriptId, range, filters, { goals });
  const s = buildScope(site.scriptId, range, filters, { goals, rollup: source === 'rollup' });
  const unit = s.p.add(q.interval);
  const text = plan
    ? rollupDaysReadSql.timeseries({ ...daysScope(s), edge: s.p.add(new Date(plan.edge)) }, unit)
    : source === 'rollup'
      ? rollupReadSql.timeseries(s, unit)
      : timeseriesSql(s, unit);
  const rows = await runStatement<{ parts?: number }>(deps, 'timeseries', text, s.p.values, source);
  return { interval: q.interval, tz, items: rows.map(({ parts: _n, ...r }) => r) };
}

/** Statement and values of a breakdown (shared with the CSV export, which leaves out paging). */
export function breakdownStatement(
  site: StatsSite,
  dimension: DimensionName,
  q: Omit<BreakdownQuery, 'limit' | 'cursor'>,
  page?: { limit: number; offset: number },
  conversionGoal?: GoalDef | null,
) {
  const s = scopeOf(site, q);
  const d = DIMENSIONS[dimension];
  const sort = 'perSession' in d && (q.sort === 'page_views' || q.sort === 'events') ? 'sessions' : q.sort;
  const ob = orderBy(sort, q.order);
  const limit = s.p.add(page ? page.limit + 1 : null);
  const offset = s.p.add(page?.offset ?? 0);
  const text =
    'perSession' in d && d.perSession
      ? entryExitSql(s, d.perSession, ob, limit, offset)
      : breakdownSql(s, d.column, d.only, ob, limit, offset);
  if (!conversionGoal) return { text, values: s.p.values };
  const spec =
    'perSession' in d && d.perSession
      ? { from: 'events' as const, perSession: d.perSession }
      : { from: 'events' as const, column: d.column, only: d.only };
  return { text: withConversions(s, text, conversionGoal, spec, ob), values: s.p.values };
}

export async function breakdown(
  deps: StatsDeps,
  site: StatsSite,
  dimension: DimensionName,
  q: BreakdownQuery,
) {
  q = await resolveSaved(deps.pool, site, q);
  const offset = decodeOffset(q.cursor);
  // conversion_goal: two more columns, converters and conversion_rate, for that goal.
  const conv = q.conversion_goal
    ? (await goalsOfSite(deps.pool, site.scriptId, [q.conversion_goal]))[0]!
    : null;
  const rolled =
    !conv || goalOnRollups(conv)
      ? await rollupBreakdown(deps, site, dimension, q, { limit: q.limit, offset }, conv)
      : null;
  const st = rolled ?? {
    ...breakdownStatement(site, dimension, q, { limit: q.limit, offset }, conv),
    source: 'events' as const,
  };
  const rows = await runStatement<{ parts?: number }>(
    deps,
    `breakdown_${dimension}`,
    st.text,
    st.values,
    st.source,
  );
  return {
    dimension,
    ...offsetPage(
      rows.map(({ parts: _n, ...r }) => r),
      q.limit,
      offset,
    ),
  };
}

/** Custom events by property and value (raw events: properties are not rolled up). */
export async function eventProperties(deps: StatsDeps, site: StatsSite, q: EventPropertiesQuery) {
  const offset = decodeOffset(q.cursor);
  const s = scopeOf(site, q);
  const text = eventPropertiesSql(s, s.p.add(q.limit + 1), s.p.add(offset));
  const rows = await runStatement(deps, 'event_properties', text, s.p.values);
  return offsetPage(rows, q.limit, offset);
}

/** A breakdown answered from rollups, or null when rollups cannot answer it (docs/rollups.md). */
async function rollupBreakdown(
  deps: StatsDeps,
  site: StatsSite,
  dimension: DimensionName,
  q: Omit<BreakdownQuery, 'cursor'>,
  page: { limit: number; offset: number },
  conv: GoalDef | null = null,
): Promise<{ text: string; values: unknown[]; source: Source } | null> {
  const spec = rollupReadSql.ROLLUP_BREAKDOWNS[dimension];
  const perSession =
    DIMENSIONS[dimension] && 'perSession' in DIMENSIONS[dimension]
      ? DIMENSIONS[dimension].perSession
      : undefined;
  if (!spec && !perSession) return null;
  const tz = siteTimeZone(site, q.tz);
  const range = resolveRange(q, tz);
  const filters = pickFilters(q);
  const filterable = !(spec && 'kind' in spec);
  const goals = goalsOf(q);
  const days = spec && !conv ? await planDays(deps, site.scriptId, range, filters, { goals }) : null;
  // Pages and custom events: one rollup_days row per name and day, and merging thousands of sketches
  // per name measured slower than the hourly rows (docs/rollups.md, benchmark); from days only where
  // the hourly rows are gone (compacted days).
  const plan = days && ('column' in spec! || days.compacted) ? days : null;
  if (plan) {
    const s = buildScope(site.scriptId, range, filters, { goals, rollup: true });
    const ob = orderBy(q.sort, q.order);
    const limit = s.p.add(page.limit + 1);
    const offset = s.p.add(page.offset);
    const edge = s.p.add(new Date(plan.edge));
    const text = rollupDaysReadSql.breakdown({ ...daysScope(s), edge }, spec!, ob, limit, offset);
    return { text, values: s.p.values, source: 'days' };
  }
  if ((await chooseSource(deps, site.scriptId, range, filters, { filterable, goals })) !== 'rollup')
    return null;
  const s = buildScope(site.scriptId, range, filters, { goals, rollup: true });
  const sort = perSession && (q.sort === 'page_views' || q.sort === 'events') ? 'sessions' : q.sort;
  const ob = orderBy(sort, q.order);
  const limit = s.p.add(page.limit + 1);
  const offset = s.p.add(page.offset);
  const text = perSession
    ? rollupReadSql.entryExit(s, perSession, ob, limit, offset)
    : 'kind' in spec!
      ? rollupReadSql.namesBreakdown(s, spec.kind, ob, limit, offset)
      : rollupReadSql.breakdown(s, spec!.column, spec!.only, ob, limit, offset);
  if (conv) {
    const cs = perSession
      ? { from: 'rollup_sessions' as const, perSession }
      : 'kind' in spec!
        ? { from: 'rollup_names' as const, kind: spec.kind }
        : { from: 'rollup_sessions' as const, column: spec!.column, only: spec!.only };
    return { text: withConversions(s, text, conv, cs, ob), values: s.p.values, source: 'rollup' };
  }
  return { text, values: s.p.values, source: 'rollup' };
}

export async function realtime(deps: StatsDeps, site: StatsSite, q: RealtimeQuery) {
  q = await resolveSaved(deps.pool, site, q);
  const s = buildNowScope(site.scriptId, pickFilters(q), goalsOf(q));
  const [row] = await runStatement(deps, 'realtime', realtimeSql(s), s.p.values);
  return row!;
}

export async function sessions(deps: StatsDeps, site: StatsSite, q: PagedQuery) {
  q = await resolveSaved(deps.pool, site, q);
  const s = scopeOf(site, q);
  const key = decodeKey(q.cursor);
  const after = key ? { t: s.p.add(key.t), k: s.p.add(key.k) } : null;
  const rows = await runStatement<{ session_id: string; cursor_ts: string }>(
    deps,
    'sessions',
    sessionListSql(s, after, s.p.add(q.limit + 1)),
    s.p.values,
  );
  return keyPage(rows, q.limit, (r) => r.session_id);
}

/** One session's events; null when the site has no such session. */
export async function sessionEvents(deps: StatsDeps, site: StatsSite, sessionId: string, limit: number) {
  const p = new Params();
  const rows = await runStatement(
    deps,
    'session_events',
    sessionEventsSql(p.add(site.scriptId), p.add(sessionId), p.add(limit)),
    p.values,
  );
  return rows.length ? { session_id: sessionId, items: rows } : null;
}

export async function companies(deps: StatsDeps, site: StatsSite, q: CompaniesQuery) {
  q = await resolveSaved(deps.pool, site, q);
  const tz = siteTimeZone(site, q.tz);
  const range = resolveRange(q, tz);
  const filters = pickFilters(q);
  const goals = goalsOf(q);
  const offset = decodeOffset(q.cursor);
  const ob = orderBy(q.sort, q.order, 'name');
  const m = new Params();
  // Not through runStatement(): this look-up must not report a source (X-Beacon-Source is the list's).
  const { rows: mergeRows } = await deps.pool.query(agencyHasMergesSql(m.add(site.agencyId)), m.values);
  const merges = Boolean((mergeRows[0] as { merges?: boolean } | undefined)?.merges);
  // An agency's merges are unknown to the rollups: with any, the list reads events.
  const source = merges ? 'events' : await chooseSource(deps, site.scriptId, range, filters, { goals });
  const s = buildScope(site.scriptId, range, filters, { goals, rollup: source === 'rollup' });
  // The agency's overrides (not a company, name, industry) apply after grouping, before paging.
  const inner = merges
    ? companyListMergedSql(s, s.p.add(site.agencyId), ob, s.p.add(null), s.p.add(0))
    : (source === 'rollup' ? rollupReadSql.companyList : companyListSql)(s, ob, s.p.add(null), s.p.add(0));
  const text = withCompanyOverrides(inner, s.p.add(site.agencyId), ob, s.p.add(q.limit + 1), s.p.add(offset));
  const rows = await runStatement(deps, 'companies', text, s.p.values, source);
  return offsetPage(rows, q.limit, offset);
}

/** One company's visits over time (by its domain); null when the site saw no event of it in the range. */
export async function company(deps: StatsDeps, site: StatsSite, domain: string, q: CompanyQuery) {
  q = await resolveSaved(deps.pool, site, q);
  // The agency's merges (migration 0120): the domains merged into this one count as this one.
  const mp = new Params();
  const mergedIn = (
    await runStatement<{ domain: string }>(
      deps,
      'company_merged',
      domainsMergedIntoSql(mp.add(site.agencyId), mp.add(domain)),
      mp.values,
    )
  )
    .map((r) => r.domain)
    .filter((d) => typeof d === 'string');
  const domains = [domain, ...mergedIn];
  const series = await timeseries(deps, site, { ...q, company_domain: domains });
  const totals = await overview(deps, site, { ...q, company_domain: domains });
  if (totals.current.events === 0) return null;
  const p = new Params();
  const [facts] = await runStatement(
    deps,
    'company',
    companyByDomainSql(p.add(site.agencyId), p.add(domain)),
    p.values,
  );
  const o = new Params();
  const [override] = await runStatement<{
    not_company: boolean;
    name: string | null;
    industry: string | null;
    employee_count: string | null;
    merge_into: string | null;
  }>(deps, 'company_override', companyOverrideSql(o.add(site.agencyId), o.add(domain)), o.values);
  const merged: Record<string, unknown> = { ...(facts ?? { domain }) };
  // The agency's own override wins over every identified fact (migration 0120).
  for (const k of ['name', 'industry', 'employee_count'] as const) if (override?.[k]) merged[k] = override[k];
  return {
    company: merged,
    override: override ?? null,
    merged_domains: mergedIn,
    match: await companyMatch(deps, site, domain),
    totals: totals.current,
    previous: totals.previous,
    ...series,
  };
}

/**
 * How the site's events of a domain were matched: per source its confidence, ASNs, events and first /
 * last seen, and (for the agency's own ranges) the caller's agency's ranges naming the domain.
 */
async function companyMatch(deps: StatsDeps, site: StatsSite, domain: string) {
  const p = new Params();
  const sources = await runStatement<{ source: string | null }>(
    deps,
    'company_match',
    companyMatchSourcesSql(p.add(site.scriptId), p.add(domain)),
    p.values,
  );
  const r = new Params();
  const ranges = sources.some((x) => x.source === 'agency_ranges')
    ? await runStatement(
        deps,
        'company_ranges',
        companyAgencyRangesSql(r.add(site.agencyId), r.add(domain)),
        r.values,
      )
    : [];
  return { sources, ranges };
}

/** Sessions by identification class per bucket (statements/match-rates.ts); bots included. */
export async function matchRates(deps: StatsDeps, site: StatsSite, q: MatchRatesQuery) {
  const tz = siteTimeZone(site, q.tz);
  const range = resolveRange(q, tz);
  const perBucket = { hour: 1, day: 24, week: 168, month: 672 }[q.interval];
  if (range.hours / perBucket > MAX_BUCKETS) {
    throw new QueryInputError(`more than ${MAX_BUCKETS} ${q.interval} buckets; use a longer interval`, {
      interval: q.interval,
    });
  }
  const s = buildScope(site.scriptId, range, {});
  const unit = s.p.add(q.interval);
  const rows = await runStatement(deps, 'match_rates', matchRatesSql(s, unit), s.p.values);
  return { interval: q.interval, tz, items: rows };
}
