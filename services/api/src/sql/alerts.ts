/** Traffic alerts (migration 0113). Management statements take the caller's agency and site. */

const ALERT_COLUMNS = `id, site_id, recipients, spike_pct, drop_pct, min_usual, cooldown_h, enabled, last_alert_at, last_alert_kind, created_at`;

/** $1 agency id, $2 site uuid. Out: the site's alerts. */
export const listAlerts = `SELECT ${ALERT_COLUMNS} FROM traffic_alerts WHERE agency_id = $1 AND site_id = $2 ORDER BY created_at, id`;

/**
 * $1 agency id, $2 site uuid, $3 recipients, $4 spike_pct, $5 drop_pct, $6 min_usual, $7 cooldown_h,
 * $8 created_by|null. Out: the alert.
 */
export const insertAlert = `
INSERT INTO traffic_alerts (agency_id, site_id, recipients, spike_pct, drop_pct, min_usual, cooldown_h, created_by)
SELECT $1, s.id, $3::text[], $4, $5, $6, $7, $8 FROM sites s WHERE s.agency_id = $1 AND s.id = $2
RETURNING ${ALERT_COLUMNS}`;

/**
 * $1 agency id, $2 site uuid, $3 alert id, $4 recipients|null, $5 spike_pct|null, $6 drop_pct|null,
 * $7 min_usual|null, $8 cooldown_h|null, $9 enabled|null. Out: the alert (0 rows = none).
 */
export const updateAlert = `
UPDATE traffic_alerts SET recipients = COALESCE($4::text[], recipients), spike_pct = COALESCE($5, spike_pct),
  drop_pct = COALESCE($6, drop_pct), min_usual = COALESCE($7, min_usual), cooldown_h = COALESCE($8, cooldown_h),
  enabled = COALESCE($9, enabled)
WHERE agency_id = $1 AND site_id = $2 AND id = $3
RETURNING ${ALERT_COLUMNS}`;

/** $1 agency id, $2 site uuid, $3 alert id. Out: id. */
export const deleteAlert = `DELETE FROM traffic_alerts WHERE agency_id = $1 AND site_id = $2 AND id = $3 RETURNING id`;

/** Out: enabled alerts of active sites of active agencies, with the site's script id and name. */
export const activeAlerts = `
SELECT t.id, t.recipients, t.spike_pct, t.drop_pct, t.min_usual, t.cooldown_h, s.id AS site_id, s.script_id,
  s.name AS site_name, COALESCE(b.display_name, a.name) AS agency_name, b.hostname AS agency_hostname
FROM traffic_alerts t JOIN sites s ON s.id = t.site_id JOIN agencies a ON a.id = t.agency_id
LEFT JOIN agency_branding b ON b.agency_id = a.id
WHERE t.enabled AND s.status = 'active' AND a.status = 'active'`;

/**
 * Page views (no bots) of the hour starting at $2 on site $1 (script id), and the usual level: the mean
 * of the same hour of the four weeks before. Out: current, usual.
 */
export const hourAgainstUsual = `
SELECT
  (SELECT count(*) FROM events e WHERE e.site_id = $1 AND e.event_name = 'page_view'
     AND e.visitor_type IS DISTINCT FROM 'bot'
     AND e.server_timestamp >= $2::timestamptz AND e.server_timestamp < $2::timestamptz + interval '1 hour')::int AS current,
  (SELECT count(*) FROM generate_series(1, 4) w JOIN events e ON e.site_id = $1 AND e.event_name = 'page_view'
     AND e.visitor_type IS DISTINCT FROM 'bot'
     AND e.server_timestamp >= $2::timestamptz - make_interval(weeks => w)
     AND e.server_timestamp < $2::timestamptz - make_interval(weeks => w) + interval '1 hour')::float8 / 4 AS usual`;

/**
 * Takes the cooldown: only one caller (replica) wins per cooldown. $1 alert id, $2 kind. Out: id when
 * this caller may send.
 */
export const takeCooldown = `
UPDATE traffic_alerts SET last_alert_at = now(), last_alert_kind = $2
WHERE id = $1 AND (last_alert_at IS NULL OR last_alert_at < now() - make_interval(hours => cooldown_h))
RETURNING id`;
