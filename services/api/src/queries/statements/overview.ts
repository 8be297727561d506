import { countedEvent } from '@beacon/db';
import { inHours, type Scope } from '../scope.js';
import { distinct, merged, sketch, type DaysScope } from './rollup-days.js';

/**
 * Overview of a range and of the previous period of the same length: from raw events, from the
 * hourly rollups (rollup_sessions) and from the per-day aggregates (rollup_days). The three return the
 * same columns and, where each applies (../rollups.ts, ../days.ts), the same numbers.
 * Definitions: docs/metrics.md ("Traffic metrics").
 * Out: two rows, period 'current' | 'previous': visitors, sessions, page_views, events,
 * bounced_sessions, viewing_sessions, bounce_rate (0-1 or null), avg_session_duration (seconds or null).
 */

/**
 * The answer of every overview statement: one row per period, the current first, from the period's
 * counts (`c`: where each is, null when the period has no row) joined to p(cur) by `joins`; `parts`
 * adds the days statement's column.
 */
const periodRows = (
  c: Record<'visitors' | 'sessions' | 'pageViews' | 'events' | 'bounced' | 'viewing' | 'avgDuration', string>,
  joins: string,
  parts = '',
) => `
SELECT CASE WHEN p.cur THEN 'current' ELSE 'previous' END AS period,
       coalesce(${c.visitors}, 0)::int AS visitors,
       coalesce(${c.sessions}, 0)::int AS sessions,
       coalesce(${c.pageViews}, 0)::int AS page_views,
       coalesce(${c.events}, 0)::int AS events,
       coalesce(${c.bounced}, 0)::int AS bounced_sessions,
       coalesce(${c.viewing}, 0)::int AS viewing_sessions,
       (${c.bounced}::float8 / nullif(${c.viewing}, 0)) AS bounce_rate,
       round(${c.avgDuration}, 3)::float8 AS avg_session_duration${parts}
FROM (VALUES (true), (false)) AS p(cur)
${joins}
ORDER BY p.cur DESC`;

/**
 * The metric definitions shared by the raw and the hourly statement, so the two cannot drift. Needs
 * CTEs `per_session` (cur, page_views, duration) and `totals` (cur, visitors, page_views, events)
 * before it; a CTE list ends with it.
 */
const OVERVIEW_METRICS = `sess AS (
  SELECT cur,
         count(*) AS sessions,
         count(*) FILTER (WHERE page_views = 1) AS bounced,
         count(*) FILTER (WHERE page_views >= 1) AS viewing,
         avg(duration) AS avg_duration
  FROM per_session
  GROUP BY cur
)${periodRows(
  {
    visitors: 't.visitors',
    sessions: 's.sessions',
    pageViews: 't.page_views',
    events: 't.events',
    bounced: 's.bounced',
    viewing: 's.viewing',
    avgDuration: 's.avg_duration',
  },
  `LEFT JOIN totals t ON t.cur = p.cur
LEFT JOIN sess s ON s.cur = p.cur`,
)}`;

/**
 * CTE `name`: the rollup_sessions rows matching `where`, marked `cur` (current period or previous), with
 * the columns the overview reads.
 */
const rowsByPeriod = (name: string, s: Pick<Scope, 'lo'>, where: string) => `${name} AS (
  SELECT rs.hour >= ${s.lo} AS cur, rs.session_key, rs.visitor_key, rs.page_views, rs.events, rs.first_at, rs.last_at
  FROM rollup_sessions rs
  WHERE ${where}
)`;

/** From events, in one scan of [prevLo, hi). */
export const overview = (s: Scope) => `
WITH ev AS (
  SELECT e.server_timestamp >= ${s.lo} AS cur, e.client_id, e.session_id, e.event_name, e.server_timestamp
  FROM events e
  WHERE e.site_id = ${s.site}
    AND e.server_timestamp >= ${s.prevLo} AND e.server_timestamp < ${s.hi}
    AND ${s.filters}
), per_session AS (
  SELECT cur, session_id,
         count(*) FILTER (WHERE event_name = 'page_view') AS page_views,
         extract(epoch FROM max(server_timestamp) - min(server_timestamp)) AS duration
  FROM ev
  WHERE session_id IS NOT NULL
  GROUP BY cur, session_id
), totals AS (
  SELECT cur,
         count(DISTINCT client_id) AS visitors,
         count(*) FILTER (WHERE event_name = 'page_view') AS page_views,
         count(*) FILTER (WHERE ${countedEvent('ev')}) AS events
  FROM ev
  GROUP BY cur
), ${OVERVIEW_METRICS}`;

/** From the hourly rollups of [prevLo, hi). */
export const overviewRollup = (s: Scope) => `
WITH ${rowsByPeriod('r', s, inHours(s, s.prevLo))}, per_session AS (
  SELECT cur, session_key,
         sum(page_views) AS page_views,
         extract(epoch FROM max(last_at) - min(first_at)) AS duration
  FROM r
  WHERE session_key <> 0
  GROUP BY cur, session_key
), totals AS (
  SELECT cur,
         count(DISTINCT visitor_key) FILTER (WHERE visitor_key <> 0) AS visitors,
         sum(page_views) AS page_views,
         sum(events) AS events
  FROM r
  GROUP BY cur
), ${OVERVIEW_METRICS}`;

/**
 * From frozen days plus the hourly edge of both periods (no filters). Bounce and duration add up per
 * piece: a session crossing a local midnight counts once per day. Out: as above, plus parts.
 */
export const overviewDays = (s: DaysScope) => `
WITH ${rowsByPeriod(
  'edge_rows',
  s,
  `rs.site_id = ${s.site}
    AND ((rs.hour >= ${s.edge} AND rs.hour < ${s.hi}) OR (rs.hour >= ${s.prevEdge} AND rs.hour < ${s.lo}))`,
)}, edge_sess AS (
  SELECT cur, sum(page_views) AS page_views, extract(epoch FROM max(last_at) - min(first_at)) AS duration
  FROM edge_rows WHERE session_key <> 0
  GROUP BY cur, session_key
), edge_part AS (
  SELECT t.cur, t.visitors, t.sessions, t.page_views, t.events,
         COALESCE(x.bounced, 0) AS bounced, COALESCE(x.viewing, 0) AS viewing, COALESCE(x.duration_sum, 0) AS duration_sum,
         t.visitors_hll, t.sessions_hll
  FROM (SELECT cur, ${distinct('visitor_key')} AS visitors, ${distinct('session_key')} AS sessions,
               sum(page_views) AS page_views, sum(events) AS events,
               ${sketch('visitor_key')} AS visitors_hll, ${sketch('session_key')} AS sessions_hll
        FROM edge_rows GROUP BY cur) t
  LEFT JOIN (SELECT cur, count(*) FILTER (WHERE page_views = 1) AS bounced,
                    count(*) FILTER (WHERE page_views >= 1) AS viewing, sum(duration) AS duration_sum
             FROM edge_sess GROUP BY cur) x ON x.cur = t.cur
), parts AS (
  SELECT d.starts_at >= ${s.lo} AS cur, d.visitors::bigint AS visitors, d.sessions::bigint AS sessions,
         d.page_views::numeric AS page_views, d.events::numeric AS events, d.bounced::bigint AS bounced,
         d.viewing::bigint AS viewing, d.duration_sum, d.visitors_hll, d.sessions_hll
  FROM rollup_days d
  WHERE d.site_id = ${s.site} AND d.dim = 'total' AND d.tz = ${s.tz}
    AND ((d.starts_at >= ${s.lo} AND d.ends_at <= ${s.edge}) OR (d.starts_at >= ${s.prevLo} AND d.ends_at <= ${s.prevEdge}))
  UNION ALL
  SELECT cur, visitors, sessions, page_views, events, bounced, viewing, duration_sum, visitors_hll, sessions_hll
  FROM edge_part
), agg AS (
  SELECT cur, count(*) AS parts, ${merged('visitors')} AS visitors, ${merged('sessions')} AS sessions,
         sum(sessions) AS session_parts, sum(page_views) AS page_views, sum(events) AS events,
         sum(bounced) AS bounced, sum(viewing) AS viewing, sum(duration_sum) AS duration_sum
  FROM parts GROUP BY cur
)${periodRows(
  {
    visitors: 'a.visitors',
    sessions: 'a.sessions',
    pageViews: 'a.page_views',
    events: 'a.events',
    bounced: 'a.bounced',
    viewing: 'a.viewing',
    avgDuration: 'a.duration_sum / nullif(a.session_parts, 0)',
  },
  'LEFT JOIN agg a ON a.cur = p.cur',
  ',\n       coalesce(a.parts, 0)::int AS parts',
)}`;
