/**
 * Usage per client (issue 15): per site of the agency and calendar month (UTC), what Beacon stored, and
 * what its collector received, dropped (by reason) and rejected (ingestion_health, by hour of receipt).
 * $1 agency id, $2 month start (timestamptz), $3 next month start. Out: one row per site, by name.
 */
export const usageBySite = `
SELECT s.id, s.name, s.domain, s.status,
  COALESCE(u.events, 0)::bigint AS events_stored,
  COALESCE(u.page_views, 0)::bigint AS page_views,
  COALESCE(u.bot_events, 0)::bigint AS bot_events,
  COALESCE(u.companies, 0)::bigint AS identified_companies,
  COALESCE(h.received, 0)::bigint AS events_received,
  COALESCE(h.rejected, 0)::bigint AS events_rejected,
  COALESCE(h.dropped, '{}'::jsonb) AS dropped_by_reason
FROM sites s
LEFT JOIN LATERAL (
  SELECT count(*) AS events,
    count(*) FILTER (WHERE e.event_name = 'page_view') AS page_views,
    count(*) FILTER (WHERE e.visitor_type = 'bot') AS bot_events,
    count(DISTINCT e.company_domain) AS companies
  FROM events e
  WHERE e.site_id = s.script_id AND e.server_timestamp >= $2::timestamptz AND e.server_timestamp < $3::timestamptz
) u ON true
LEFT JOIN LATERAL (
  SELECT sum(n) FILTER (WHERE outcome = 'received') AS received,
    sum(n) FILTER (WHERE outcome = 'rejected') AS rejected,
    jsonb_object_agg(reason, n) FILTER (WHERE outcome = 'dropped') AS dropped
  FROM (
    SELECT ih.outcome, ih.reason, sum(ih.count) AS n
    FROM ingestion_health ih
    WHERE ih.site_id = s.script_id AND ih.hour >= $2::timestamptz AND ih.hour < $3::timestamptz
      AND ih.outcome IN ('received', 'rejected', 'dropped')
    GROUP BY ih.outcome, ih.reason
  ) by_reason
) h ON true
WHERE s.agency_id = $1
ORDER BY lower(s.name), s.id`;

/**
 * Adds the API's request counts (api_calls, migration 0176). $1 agency id uuid[], $2 month date[],
 * $3 via text[], $4 count bigint[]; keys distinct within a call, taken in key order (no deadlock
 * between replicas flushing overlapping keys).
 */
export const addApiCalls = `
INSERT INTO api_calls AS c (agency_id, month, via, count)
SELECT agency_id, month, via, n
FROM unnest($1::uuid[], $2::date[], $3::text[], $4::bigint[]) AS t(agency_id, month, via, n)
WHERE EXISTS (SELECT 1 FROM agencies a WHERE a.id = t.agency_id)
ORDER BY agency_id, month, via
ON CONFLICT (agency_id, month, via) DO UPDATE SET count = c.count + EXCLUDED.count, updated_at = now()`;

/** An agency's API requests of one month by how the callers authenticated. $1 agency id, $2 month (date). */
export const apiCallsOfMonth = `
SELECT via, count::bigint AS count FROM api_calls WHERE agency_id = $1 AND month = $2::date`;
