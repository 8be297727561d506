import { rollupReadSql } from '@beacon/db';
import type { Scope } from '../scope.js';

const { OVERVIEW_METRICS } = rollupReadSql;

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
         count(*) FILTER (WHERE ${rollupReadSql.countedEvent('ev')}) AS events
  FROM ev
  GROUP BY cur
), ${OVERVIEW_METRICS}`;
