import { customEvent } from '@beacon/db';
import { hoursOf, inHours, inRange, type Scope } from '../scope.js';
import { distinct, merged, sketch, type DaysScope } from './rollup-days.js';
import { countColumns, EVENTS, ROLLUP_SESSIONS, type TrafficSource } from './sources.js';

/**
 * Breakdowns: one row per value of a dimension, from raw events, from the hourly rollups
 * (rollup_sessions for session-level columns, rollup_names for pages and custom events) or from the
 * per-day aggregates. `column` and `only` come from DIMENSIONS / ROLLUP_BREAKDOWNS in ../dimensions.ts
 * (allow-listed), `orderBy` from the allow-listed sort keys.
 * In: scope, limit, offset. Out: value, visitors, sessions, page_views, events.
 */

/** A breakdown by one column (`only`: an extra condition on the statement's alias). */
type ColumnBreakdown = (
  s: Scope,
  column: string,
  only: string | null,
  orderBy: string,
  limit: string,
  offset: string,
) => string;

/** A breakdown by one column of a source (`only`: a condition on the source's alias). */
const columnBreakdown =
  (src: TrafficSource): ColumnBreakdown =>
  (s, column, only, orderBy, limit, offset) => `
SELECT ${src.alias}.${column} AS value,
       ${countColumns(src, '::int', '       ')}
FROM ${src.from}
WHERE ${src.where(s)}
  ${only ? `AND ${only}` : ''}
GROUP BY ${src.alias}.${column}
ORDER BY ${orderBy}
LIMIT ${limit} OFFSET ${offset}`;

/** From events. */
export const breakdown = columnBreakdown(EVENTS);

/** From rollup_sessions, by one of its columns (`only`: a condition on `rs`). */
export const breakdownRollup = columnBreakdown(ROLLUP_SESSIONS);

/**
 * From rollup_names: pages (kind 1: page_views = events = views) or custom events (kind 2:
 * page_views = 0). No filters but goal filters (rollup_names rows carry no session dimensions).
 */
export const namesBreakdown = (s: Scope, kind: 1 | 2, orderBy: string, limit: string, offset: string) => {
  const goals = s.namesFilters('r');
  return `
SELECT r.name AS value,
       (count(DISTINCT r.visitor_key) FILTER (WHERE r.visitor_key <> 0))::int AS visitors,
       (count(DISTINCT r.session_key) FILTER (WHERE r.session_key <> 0))::int AS sessions,
       ${kind === 1 ? 'sum(r.count)::int' : '0'} AS page_views,
       sum(r.count)::int AS events
FROM rollup_names r
WHERE ${hoursOf(s, 'r')} AND r.kind = ${kind}${goals === 'true' ? '' : ` AND ${goals}`}
GROUP BY r.name_key, r.name
ORDER BY ${orderBy}
LIMIT ${limit} OFFSET ${offset}`;
};

/**
 * From frozen days plus the hourly edge (no filters), by a session-level column (`column`, also
 * rollup_days' dim) or by page / custom event (`kind` 1 / 2). Out: as above, plus parts.
 */
export const breakdownDays = (
  s: DaysScope,
  by: { column: string; only: string | null } | { kind: 1 | 2 },
  orderBy: string,
  limit: string,
  offset: string,
) => {
  const dim = 'kind' in by ? (by.kind === 1 ? 'page' : 'event') : by.column;
  const edge =
    'kind' in by
      ? `SELECT r.name, ${distinct('r.visitor_key')}, ${distinct('r.session_key')},
         ${by.kind === 1 ? 'sum(r.count)' : '0'}, sum(r.count), ${sketch('r.visitor_key')}, ${sketch('r.session_key')}
  FROM rollup_names r
  WHERE ${hoursOf(s, 'r', s.edge)} AND r.kind = ${by.kind}
  GROUP BY r.name_key, r.name`
      : `SELECT rs.${by.column}, ${distinct('rs.visitor_key')}, ${distinct('rs.session_key')},
         sum(rs.page_views), sum(rs.events), ${sketch('rs.visitor_key')}, ${sketch('rs.session_key')}
  FROM rollup_sessions rs
  WHERE ${hoursOf(s, 'rs', s.edge)}${by.only ? ` AND ${by.only}` : ''}
  GROUP BY rs.${by.column}`;
  const only = 'kind' in by || !by.only ? '' : ' AND d.value IS NOT NULL';
  return `
WITH parts AS (
  SELECT d.value, d.visitors::bigint AS visitors, d.sessions::bigint AS sessions, d.page_views::numeric AS page_views,
         d.events::numeric AS events, d.visitors_hll, d.sessions_hll
  FROM rollup_days d
  WHERE d.site_id = ${s.site} AND d.dim = '${dim}' AND d.tz = ${s.tz} AND d.starts_at >= ${s.lo} AND d.ends_at <= ${s.edge}${only}
  UNION ALL
  ${edge}
)
SELECT value, ${merged('visitors')}::int AS visitors, ${merged('sessions')}::int AS sessions,
       sum(page_views)::int AS page_views, sum(events)::int AS events, count(*)::int AS parts
FROM parts
GROUP BY value
ORDER BY ${orderBy}
LIMIT ${limit} OFFSET ${offset}`;
};

/** Entry ('ASC') or exit ('DESC') pages. */
type PerSessionBreakdown = (
  s: Scope,
  direction: 'ASC' | 'DESC',
  orderBy: string,
  limit: string,
  offset: string,
) => string;

/** Sessions per entry/exit page: CTE `ends` (page_path, visitor, session) in, the rows out. */
const perSessionRows = (visitors: string, orderBy: string, limit: string, offset: string) => `
SELECT page_path AS value,
       ${visitors}::int AS visitors,
       count(*)::int AS sessions,
       NULL::int AS page_views,
       NULL::int AS events
FROM ends
GROUP BY page_path
ORDER BY ${orderBy}
LIMIT ${limit} OFFSET ${offset}`;

/**
 * Entry (first) or exit (last) page of each session: the page_path of its first/last page_view in
 * the range, from events. In: scope, `direction` 'ASC' (entry) | 'DESC' (exit), limit, offset.
 * Out: value, visitors, sessions (sessions entering/leaving there), page_views = events = null.
 */
export const entryExit: PerSessionBreakdown = (s, direction, orderBy, limit, offset) => `
WITH ends AS (
  SELECT DISTINCT ON (e.session_id) e.session_id, e.client_id, e.page_path
  FROM events e
  WHERE ${inRange(s)}
    AND e.event_name = 'page_view' AND e.session_id IS NOT NULL
  ORDER BY e.session_id, e.server_timestamp ${direction}, e.id ${direction}
)${perSessionRows('count(DISTINCT client_id)', orderBy, limit, offset)}`;

/** The rollup_sessions columns of a session's entry ('ASC') or exit ('DESC') page. */
export const sessionEnd = (direction: 'ASC' | 'DESC') =>
  direction === 'ASC'
    ? { path: 'entry_path', at: 'entry_at', id: 'entry_id' }
    : { path: 'exit_path', at: 'exit_at', id: 'exit_id' };

/** The same from rollup_sessions (each row keeps its session's entry and exit page view). */
export const entryExitRollup: PerSessionBreakdown = (s, direction, orderBy, limit, offset) => {
  const end = sessionEnd(direction);
  return `
WITH ends AS (
  SELECT DISTINCT ON (rs.session_key) rs.session_key, rs.visitor_key, rs.${end.path} AS page_path
  FROM rollup_sessions rs
  WHERE ${inHours(s)} AND rs.session_key <> 0 AND rs.${end.at} IS NOT NULL
  ORDER BY rs.session_key, rs.${end.at} ${direction}, rs.${end.id} ${direction}
)${perSessionRows('(count(DISTINCT visitor_key) FILTER (WHERE visitor_key <> 0))', orderBy, limit, offset)}`;
};

/**
 * Custom events by property: one row per (top-level key, value) of the matching custom events'
 * `properties` (a nested value as its JSON text), the most frequent first. With an `event_name` filter
 * it answers "which plans were selected". Raw events only (properties are not rolled up).
 * In: scope, limit, offset. Out: property, value, visitors, events.
 */
export const eventProperties = (s: Scope, limit: string, offset: string) => `
SELECT p.key AS property,
       p.value AS value,
       count(DISTINCT e.client_id)::int AS visitors,
       count(*)::int AS events
FROM events e
CROSS JOIN LATERAL jsonb_each_text(CASE WHEN jsonb_typeof(e.properties) = 'object' THEN e.properties END) AS p(key, value)
WHERE ${inRange(s)}
  AND ${customEvent()}
GROUP BY p.key, p.value
ORDER BY events DESC, visitors DESC, property, value
LIMIT ${limit} OFFSET ${offset}`;
