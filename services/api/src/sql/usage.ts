/**
 * Usage per client (issue 15): per site of the agency and calendar month (UTC), what Beacon stored, and
 * what its collector received, dropped (by reason) and rejected (ingestion_health, by hour of receipt).
 * $1 agency id, $2 month start (timestamptz), $3 next month start. Out: one row per site, by name.
 */
export const usageBySite = `
SELECT s.id, s.name, s.domain, s.status, s.monthly_event_quota,
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

/**
 * Monthly event quotas (migration 0181). $1 month start (timestamptz, UTC), $2 next month start. Out: the
 * active sites of active agencies with a quota and a warning not yet sent this month, with their events
 * stored this month (counted like usageBySite's events_stored) and the thresholds already warned.
 */
export const sitesUnderQuotaWatch = `
SELECT s.id, s.name, s.agency_id, s.monthly_event_quota AS quota,
  COALESCE(b.display_name, a.name) AS agency_name, b.hostname AS agency_hostname,
  (SELECT count(*) FROM events e
   WHERE e.site_id = s.script_id AND e.server_timestamp >= $1::timestamptz AND e.server_timestamp < $2::timestamptz
  )::bigint AS events,
  ARRAY(SELECT q.threshold FROM quota_warnings q WHERE q.site_id = s.id AND q.month = $1::date) AS warned
FROM sites s JOIN agencies a ON a.id = s.agency_id LEFT JOIN agency_branding b ON b.agency_id = a.id
WHERE s.monthly_event_quota IS NOT NULL AND s.status = 'active' AND a.status = 'active'
  AND (SELECT count(*) FROM quota_warnings q WHERE q.site_id = s.id AND q.month = $1::date) < 2`;

/**
 * Claims quota warnings: $1 site id, $2 month (date), $3 thresholds (smallint[]), $4 agency id, $5 events,
 * $6 quota. Out: the thresholds this call claimed (another replica's claims are no-ops: the primary key).
 */
export const claimQuotaWarnings = `
INSERT INTO quota_warnings (site_id, month, threshold, agency_id, events, quota)
SELECT $1, $2::date, t, $4, $5, $6 FROM unnest($3::smallint[]) AS t
ON CONFLICT (site_id, month, threshold) DO NOTHING
RETURNING threshold`;

/** $1 site id, $2 month, $3 thresholds, $4 recipients mailed. Records how many admins were mailed. */
export const recordQuotaRecipients = `
UPDATE quota_warnings SET recipients = $4 WHERE site_id = $1 AND month = $2::date AND threshold = ANY($3::smallint[])`;

/** $1 site id, $2 month, $3 thresholds: gives claims back after the SMTP server refused (next pass retries). */
export const releaseQuotaWarnings = `
DELETE FROM quota_warnings WHERE site_id = $1 AND month = $2::date AND threshold = ANY($3::smallint[])`;

/** $1 agency id. Out: the emails of its active admins. */
export const agencyAdminEmails = `
SELECT email FROM dashboard_users WHERE agency_id = $1 AND role = 'admin' AND is_active ORDER BY email`;
