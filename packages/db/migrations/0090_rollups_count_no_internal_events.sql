-- The tracker's internal events (`engagement`, `identify`) are no longer counted as events
-- (docs/metrics.md): take them out of the rollups kept so far, so rollups keep answering with the
-- same numbers as raw events. Their rows in rollup_names (kind 2, by event name) are deleted; the
-- `events` counter of rollup_sessions loses them, row by row (same key as the writer's rollup step,
-- packages/db/src/sql/rollups.ts: hour, session and visitor hashes, and the hash of the dimension tuple).
-- Only internal events are read, one scan of events.

DELETE FROM rollup_names WHERE kind = 2 AND name IN ('engagement', 'identify');

UPDATE rollup_sessions r
SET events = r.events - x.n
FROM (
  SELECT site_id,
         date_trunc('hour', server_timestamp, 'UTC') AS hour,
         CASE WHEN session_id IS NULL THEN 0 ELSE hashtextextended(session_id, 0) END AS session_key,
         CASE WHEN client_id IS NULL THEN 0 ELSE hashtextextended(client_id, 0) END AS visitor_key,
         hashtextextended(row(country::text, device_type::text, browser::text, os::text, visitor_type::text,
                              referrer_domain::text, referrer_class::text, channel::text, utm_source::text,
                              utm_medium::text, utm_campaign::text, company_name::text, company_domain::text,
                              company_industry::text)::text, 0) AS dims_key,
         count(*) AS n
  FROM events
  WHERE event_name IN ('engagement', 'identify')
    AND visitor_type IS DISTINCT FROM 'bot'
  GROUP BY 1, 2, 3, 4, 5
) x
WHERE r.site_id = x.site_id AND r.hour = x.hour AND r.session_key = x.session_key
  AND r.visitor_key = x.visitor_key AND r.dims_key = x.dims_key;
