import type { Pool } from 'pg';
import { parseSiteConfig, HttpError } from '@beacon/schema';
import { decodeKey, decodeOffset, encodeCursor } from './cursor.js';
import { QueryInputError } from './errors.js';
import { pickFilters } from './filters.js';
import { Params } from './params.js';
import { resolveRange } from './range.js';
import { isTimeZone } from '../time-zones.js';
import type { Source } from './rollups.js';
import { buildNowScope, buildScope, type Scope } from './scope.js';
import { goalsOf, resolveSaved } from './saved.js';
import type { MatchRatesQuery, PagedQuery, RealtimeQuery, StatsQuery } from './schemas.js';
import * as seedSql from './statements/seed.js';
import { realtime as realtimeSql } from './statements/realtime.js';
import { sessionEvents as sessionEventsSql, sessionList as sessionListSql } from './statements/sessions.js';
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

/** A statement's text and its parameter values, as the statement builders hand them over. */
export interface Statement {
  text: string;
  values: unknown[];
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
    return new HttpError(
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

export function offsetPage<T>(rows: T[], limit: number, offset: number): Page<T> {
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
    throw new HttpError(400, 'invalid_cursor', 'the cursor is not one this API gave out');
  }
  const rows = await runStatement<EventRow>(
    deps,
    'events',
    seedSql.recentEvents(s, after, s.p.add(q.limit + 1)),
    s.p.values,
  );
  return keyPage(rows, q.limit, (r) => r.id);
}

/** An offset-paged list of one scope: `statement` gets the scope, limit and offset placeholders. */
async function offsetList(
  deps: StatsDeps,
  site: StatsSite,
  q: PagedQuery,
  endpoint: string,
  statement: (s: Scope, limit: string, offset: string) => string,
) {
  q = await resolveSaved(deps.pool, site, q);
  const s = scopeOf(site, q);
  const offset = decodeOffset(q.cursor);
  const text = statement(s, s.p.add(q.limit + 1), s.p.add(offset));
  return offsetPage(await runStatement(deps, endpoint, text, s.p.values), q.limit, offset);
}

export const businessVisitors = (deps: StatsDeps, site: StatsSite, q: PagedQuery) =>
  offsetList(deps, site, q, 'business_visitors', (s, limit, offset) =>
    seedSql.businessVisitors(s, s.p.add(site.agencyId), limit, offset),
  );

export async function sessionsByDay(deps: StatsDeps, site: StatsSite, q: StatsQuery) {
  q = await resolveSaved(deps.pool, site, q);
  const s = scopeOf(site, q);
  return { items: await runStatement(deps, 'sessions_by_day', seedSql.sessionsByDay(s), s.p.values) };
}

export const topReferrers = (deps: StatsDeps, site: StatsSite, q: PagedQuery) =>
  offsetList(deps, site, q, 'top_referrers', seedSql.topReferrers);

export const utmCampaigns = (deps: StatsDeps, site: StatsSite, q: PagedQuery) =>
  offsetList(deps, site, q, 'utm_campaigns', seedSql.utmCampaigns);

// ---------------------------------------------------------------------------------------------------
// Other questions (overview, time series, breakdowns: traffic.ts; companies: companies.ts)

/** Refuses a range of more than MAX_BUCKETS buckets of `interval`. */
export function checkBuckets(hours: number, interval: 'hour' | 'day' | 'week' | 'month'): void {
  const perBucket = { hour: 1, day: 24, week: 168, month: 672 }[interval];
  if (hours / perBucket > MAX_BUCKETS) {
    throw new QueryInputError(`more than ${MAX_BUCKETS} ${interval} buckets; use a longer interval`, {
      interval,
    });
  }
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

/** Sessions by identification class per bucket (statements/match-rates.ts); bots included. */
export async function matchRates(deps: StatsDeps, site: StatsSite, q: MatchRatesQuery) {
  const tz = siteTimeZone(site, q.tz);
  const range = resolveRange(q, tz);
  checkBuckets(range.hours, q.interval);
  const s = buildScope(site.scriptId, range, {});
  const unit = s.p.add(q.interval);
  const rows = await runStatement(deps, 'match_rates', matchRatesSql(s, unit), s.p.values);
  return { interval: q.interval, tz, items: rows };
}
