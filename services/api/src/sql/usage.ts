/**
 * Usage per client (issue 15): per site of the agency and calendar month (UTC), what Beacon stored.
 * $1 agency id, $2 month start (timestamptz), $3 next month start. Out: one row per site, by name.
 */
export const usageBySite = `
SELECT s.id, s.name, s.domain, s.status,
  COALESCE(u.events, 0)::bigint AS events_stored,
  COALESCE(u.page_views, 0)::bigint AS page_views,
  COALESCE(u.bot_events, 0)::bigint AS bot_events,
  COALESCE(u.companies, 0)::bigint AS identified_companies
FROM sites s
LEFT JOIN LATERAL (
  SELECT count(*) AS events,
    count(*) FILTER (WHERE e.event_name = 'page_view') AS page_views,
    count(*) FILTER (WHERE e.visitor_type = 'bot') AS bot_events,
    count(DISTINCT e.company_domain) AS companies
  FROM events e
  WHERE e.site_id = s.script_id AND e.server_timestamp >= $2::timestamptz AND e.server_timestamp < $3::timestamptz
) u ON true
WHERE s.agency_id = $1
ORDER BY lower(s.name), s.id`;
