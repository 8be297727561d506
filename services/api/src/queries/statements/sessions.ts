import { countedEvent } from '@beacon/db';
import { inRange, type Scope } from '../scope.js';
import { CURSOR_TS, EVENT_LIST_COLUMNS } from './seed.js';

/**
 * Sessions of the range computed from their (matching) events, newest start first, paged by the key
 * (started_at, session_id). In: scope, `after` placeholders or null, limit.
 * Out: session_id, client_id, started_at, ended_at, duration (s), page_views, events, entry_page,
 * exit_page, country, device_type, browser, referrer_domain, channel, company_name, bounce, cursor_ts.
 */
export const sessionList = (s: Scope, after: { t: string; k: string } | null, limit: string) => `
WITH s AS (
  SELECT e.session_id,
         min(e.client_id) AS client_id,
         min(e.server_timestamp) AS started_at,
         max(e.server_timestamp) AS ended_at,
         count(*) FILTER (WHERE e.event_name = 'page_view')::int AS page_views,
         count(*) FILTER (WHERE ${countedEvent()})::int AS events,
         (array_agg(e.page_path ORDER BY e.server_timestamp, e.id) FILTER (WHERE e.event_name = 'page_view'))[1] AS entry_page,
         (array_agg(e.page_path ORDER BY e.server_timestamp DESC, e.id DESC) FILTER (WHERE e.event_name = 'page_view'))[1] AS exit_page,
         (array_agg(e.country ORDER BY e.server_timestamp, e.id))[1] AS country,
         (array_agg(e.device_type ORDER BY e.server_timestamp, e.id))[1] AS device_type,
         (array_agg(e.browser ORDER BY e.server_timestamp, e.id))[1] AS browser,
         (array_agg(e.referrer_domain ORDER BY e.server_timestamp, e.id))[1] AS referrer_domain,
         (array_agg(e.channel ORDER BY e.server_timestamp, e.id))[1] AS channel,
         max(e.company_name) AS company_name
  FROM events e
  WHERE ${inRange(s)}
    AND e.session_id IS NOT NULL
  GROUP BY e.session_id
)
SELECT s.*, extract(epoch FROM s.ended_at - s.started_at)::float8 AS duration, (s.page_views = 1) AS bounce,
       ${CURSOR_TS('s.started_at')} AS cursor_ts
FROM s
${after ? `WHERE (s.started_at, s.session_id) < (${after.t}::timestamptz, ${after.k}::text)` : ''}
ORDER BY s.started_at DESC, s.session_id DESC
LIMIT ${limit}`;

/**
 * One session's events in order (no range: a session is short). In: site, session_id, limit placeholders.
 * Out: EVENT_LIST_COLUMNS.
 */
export const sessionEvents = (site: string, sessionId: string, limit: string) => `
SELECT ${EVENT_LIST_COLUMNS}
FROM events e
WHERE e.site_id = ${site} AND e.session_id = ${sessionId}
ORDER BY e.server_timestamp, e.id
LIMIT ${limit}`;
