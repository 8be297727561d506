/**
 * Scheduled email reports (migration 0112). Management statements take the caller's agency and the
 * site resolved by the site scope; the scheduler's statements work across agencies (it is the API's
 * own job, not a caller's).
 */

const SCHEDULE_COLUMNS = `id, site_id, frequency, recipients, enabled, created_by, created_at, updated_at`;

/** $1 agency id, $2 site uuid. Out: the site's schedules, oldest first. */
export const listSchedules = `
SELECT ${SCHEDULE_COLUMNS} FROM report_schedules WHERE agency_id = $1 AND site_id = $2 ORDER BY created_at, id`;

/** $1 agency id, $2 site uuid, $3 schedule id. Out: the schedule (0 or 1 row). */
export const findSchedule = `
SELECT ${SCHEDULE_COLUMNS} FROM report_schedules WHERE agency_id = $1 AND site_id = $2 AND id = $3`;

/** $1 agency id, $2 site uuid, $3 frequency, $4 recipients (text[]), $5 created_by|null. Out: the schedule. */
export const insertSchedule = `
INSERT INTO report_schedules (agency_id, site_id, frequency, recipients, created_by)
SELECT $1, s.id, $3, $4::text[], $5 FROM sites s WHERE s.agency_id = $1 AND s.id = $2
RETURNING ${SCHEDULE_COLUMNS}`;

/**
 * $1 agency id, $2 site uuid, $3 schedule id, $4 frequency|null, $5 recipients|null, $6 enabled|null.
 * Out: the schedule (0 rows = none).
 */
export const updateSchedule = `
UPDATE report_schedules SET frequency = COALESCE($4, frequency), recipients = COALESCE($5::text[], recipients),
  enabled = COALESCE($6, enabled)
WHERE agency_id = $1 AND site_id = $2 AND id = $3
RETURNING ${SCHEDULE_COLUMNS}`;

/** $1 agency id, $2 site uuid, $3 schedule id. Out: id. */
export const deleteSchedule = `
DELETE FROM report_schedules WHERE agency_id = $1 AND site_id = $2 AND id = $3 RETURNING id`;

/** $1 agency id, $2 site uuid, $3 limit. Out: the site's latest deliveries (the delivery log). */
export const listDeliveries = `
SELECT id, schedule_id, period_start::text, period_end::text, recipient, status, attempts, last_error, sent_at, created_at
FROM report_deliveries WHERE agency_id = $1 AND site_id = $2
ORDER BY created_at DESC, id LIMIT $3`;

/** Out: every enabled schedule of an active site of an active agency, with what the report needs. */
export const activeSchedules = `
SELECT r.id, r.frequency, r.created_at, r.agency_id, s.id AS site_id, s.script_id, s.name AS site_name, s.domain,
  s.config AS site_config, COALESCE(b.display_name, a.name) AS agency_name, b.hostname AS agency_hostname
FROM report_schedules r JOIN sites s ON s.id = r.site_id JOIN agencies a ON a.id = r.agency_id
LEFT JOIN agency_branding b ON b.agency_id = a.id
WHERE r.enabled AND s.status = 'active' AND a.status = 'active'`;

/**
 * One period of a schedule to its recipients (minus the unsubscribed): the unique key makes a second
 * replica's (or tick's) insert a no-op. $1 schedule id, $2 period start, $3 period end. Out: count.
 */
export const enqueuePeriod = `
INSERT INTO report_deliveries (schedule_id, agency_id, site_id, period_start, period_end, recipient)
SELECT r.id, r.agency_id, r.site_id, $2::date, $3::date, x.email
FROM report_schedules r CROSS JOIN LATERAL unnest(r.recipients) AS x(email)
WHERE r.id = $1
  AND NOT EXISTS (SELECT 1 FROM report_unsubscribes u WHERE u.schedule_id = r.id AND u.email = x.email)
ON CONFLICT (schedule_id, period_start, recipient) DO NOTHING`;

/**
 * Claims up to $1 due deliveries for this replica (others skip the locked rows): status sending,
 * attempts + 1. Out: the claimed rows.
 */
export const claimDue = `
UPDATE report_deliveries d SET status = 'sending', attempts = d.attempts + 1, updated_at = now()
WHERE d.id IN (
  SELECT id FROM report_deliveries WHERE status = 'pending' AND next_attempt_at <= now()
  ORDER BY next_attempt_at FOR UPDATE SKIP LOCKED LIMIT $1)
RETURNING d.id, d.schedule_id, d.period_start::text, d.period_end::text, d.recipient, d.attempts`;

/** $1 delivery id, $2 message id|null. */
export const markSent = `
UPDATE report_deliveries SET status = 'sent', sent_at = now(), message_id = $2, last_error = NULL, updated_at = now()
WHERE id = $1`;

/** $1 delivery id, $2 error text, $3 retry delay in seconds, or null: give up (failed). */
export const markFailed = `
UPDATE report_deliveries SET last_error = left($2, 500), updated_at = now(),
  status = CASE WHEN $3::int IS NULL THEN 'failed' ELSE 'pending' END,
  next_attempt_at = CASE WHEN $3::int IS NULL THEN next_attempt_at ELSE now() + make_interval(secs => $3::int) END
WHERE id = $1`;

/** $1 schedule id, $2 email. Out: nothing; idempotent. */
export const unsubscribe = `
INSERT INTO report_unsubscribes (schedule_id, email) SELECT id, lower($2) FROM report_schedules WHERE id = $1
ON CONFLICT DO NOTHING`;
