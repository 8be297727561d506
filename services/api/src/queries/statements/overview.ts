import type { Scope } from '../scope.js';

/**
 * Overview of a range and of the previous period of the same length, in one scan of [prevLo, hi).
 * Definitions: docs/metrics.md ("Traffic metrics").
 * In: scope. Out: two rows, period 'current' | 'previous': visitors, sessions, page_views, events,
 * bounced_sessions, viewing_sessions, bounce_rate (0-1 or null), avg_session_duration (seconds or null).
 */
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
         count(*) AS events
  FROM ev
  GROUP BY cur
), sess AS (
  SELECT cur,
         count(*) AS sessions,
         count(*) FILTER (WHERE page_views = 1) AS bounced,
         count(*) FILTER (WHERE page_views >= 1) AS viewing,
         avg(duration) AS avg_duration
  FROM per_session
  GROUP BY cur
)
SELECT CASE WHEN p.cur THEN 'current' ELSE 'previous' END AS period,
       coalesce(t.visitors, 0)::int AS visitors,
       coalesce(s.sessions, 0)::int AS sessions,
       coalesce(t.page_views, 0)::int AS page_views,
       coalesce(t.events, 0)::int AS events,
       coalesce(s.bounced, 0)::int AS bounced_sessions,
       coalesce(s.viewing, 0)::int AS viewing_sessions,
       (s.bounced::float8 / nullif(s.viewing, 0)) AS bounce_rate,
       round(s.avg_duration, 3)::float8 AS avg_session_duration
FROM (VALUES (true), (false)) AS p(cur)
LEFT JOIN totals t ON t.cur = p.cur
LEFT JOIN sess s ON s.cur = p.cur
ORDER BY p.cur DESC`;
