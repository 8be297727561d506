/**
 * Company alerts (migration 0150, docs/company-alerts.md): rules, endpoints, the outbox claim of the
 * dispatcher and the delivery log. Management statements take the caller's agency and site.
 */

export const RULE_COLUMNS = `id, site_id, name, visitor, intent_page, min_score, fit_industries, fit_sizes,
  fit_countries, cooldown_h, endpoint_ids, enabled, created_at, updated_at`;
export const ENDPOINT_COLUMNS = `id, site_id, name, kind, url, recipients, enabled, disabled_reason,
  consecutive_failures, previous_secret_until, created_at, updated_at`;

/** $1 agency id, $2 site uuid. */
export const listRules = `
SELECT ${RULE_COLUMNS} FROM company_alert_rules WHERE agency_id = $1 AND site_id = $2 ORDER BY created_at, id`;

/**
 * $1 agency id, $2 site uuid, $3 name, $4 visitor, $5 intent_page, $6 min_score, $7 industries,
 * $8 sizes, $9 countries, $10 cooldown_h, $11 endpoint ids (only the site's own endpoints are kept),
 * $12 created_by.
 */
export const insertRule = `
INSERT INTO company_alert_rules (agency_id, site_id, name, visitor, intent_page, min_score, fit_industries,
  fit_sizes, fit_countries, cooldown_h, endpoint_ids, created_by)
SELECT $1, s.id, $3, $4, $5, $6, $7::text[], $8::text[], $9::text[], $10,
  ARRAY(SELECT p.id FROM alert_endpoints p WHERE p.agency_id = $1 AND p.site_id = s.id AND p.id = ANY($11::uuid[])),
  $12
FROM sites s WHERE s.agency_id = $1 AND s.id = $2
RETURNING ${RULE_COLUMNS}`;

/** As insertRule, $3 rule id and the rest nullable (null: unchanged), $13 enabled, $14 min_score is set. */
export const updateRule = `
UPDATE company_alert_rules r SET name = COALESCE($4, r.name), visitor = COALESCE($5, r.visitor),
  intent_page = COALESCE($6, r.intent_page), min_score = CASE WHEN $14 THEN $7 ELSE r.min_score END,
  fit_industries = COALESCE($8::text[], r.fit_industries), fit_sizes = COALESCE($9::text[], r.fit_sizes),
  fit_countries = COALESCE($10::text[], r.fit_countries), cooldown_h = COALESCE($11, r.cooldown_h),
  endpoint_ids = CASE WHEN $12::uuid[] IS NULL THEN r.endpoint_ids ELSE ARRAY(SELECT p.id FROM alert_endpoints p
      WHERE p.agency_id = $1 AND p.site_id = $2 AND p.id = ANY($12::uuid[])) END,
  enabled = COALESCE($13, r.enabled)
WHERE r.agency_id = $1 AND r.site_id = $2 AND r.id = $3
RETURNING ${RULE_COLUMNS}`;

/** $1 agency id, $2 site uuid, $3 rule id. */
export const deleteRule = `DELETE FROM company_alert_rules WHERE agency_id = $1 AND site_id = $2 AND id = $3 RETURNING id`;

/** $1 agency id, $2 site uuid. */
export const listEndpoints = `
SELECT ${ENDPOINT_COLUMNS} FROM alert_endpoints WHERE agency_id = $1 AND site_id = $2 ORDER BY created_at, id`;

/** $1 agency id, $2 site uuid, $3 name, $4 kind, $5 url, $6 recipients, $7 secret. */
export const insertEndpoint = `
INSERT INTO alert_endpoints (agency_id, site_id, name, kind, url, recipients, secret)
SELECT $1, s.id, $3, $4, $5, $6::text[], $7 FROM sites s WHERE s.agency_id = $1 AND s.id = $2
RETURNING ${ENDPOINT_COLUMNS}`;

/**
 * $1 agency id, $2 site uuid, $3 endpoint id, $4 name|null, $5 url|null, $6 recipients|null,
 * $7 enabled|null. Enabling clears the failure count and the reason.
 */
export const updateEndpoint = `
UPDATE alert_endpoints p SET name = COALESCE($4, p.name),
  url = CASE WHEN p.kind = 'email' THEN p.url ELSE COALESCE($5, p.url) END,
  recipients = CASE WHEN p.kind = 'email' THEN COALESCE($6::text[], p.recipients) ELSE p.recipients END,
  enabled = COALESCE($7, p.enabled),
  consecutive_failures = CASE WHEN $7 THEN 0 ELSE p.consecutive_failures END,
  disabled_reason = CASE WHEN $7 THEN NULL ELSE p.disabled_reason END
WHERE p.agency_id = $1 AND p.site_id = $2 AND p.id = $3
RETURNING ${ENDPOINT_COLUMNS}`;

/** $1 agency id, $2 site uuid, $3 endpoint id. */
export const deleteEndpoint = `DELETE FROM alert_endpoints WHERE agency_id = $1 AND site_id = $2 AND id = $3 RETURNING id`;

/**
 * A new secret for a webhook endpoint; the old one keeps signing (second v1 in the header) until $5.
 * $1 agency id, $2 site uuid, $3 endpoint id, $4 new secret, $5 grace end.
 */
export const rotateSecret = `
UPDATE alert_endpoints SET previous_secret = secret, previous_secret_until = $5, secret = $4
WHERE agency_id = $1 AND site_id = $2 AND id = $3 AND kind = 'webhook'
RETURNING ${ENDPOINT_COLUMNS}`;

/**
 * The delivery log of a site, newest first. $1 agency id, $2 site uuid, $3 limit, $4 status|null,
 * $5 endpoint id|null. Out: the delivery with its alert, endpoint and last attempt.
 */
export const listDeliveries = `
SELECT d.id, d.alert_id, d.endpoint_id, p.name AS endpoint_name, p.kind AS endpoint_kind, d.status, d.attempts,
       d.delivered_at, d.created_at, d.updated_at, a.domain, r.name AS rule_name,
       l.status_code AS last_status_code, l.error AS last_error, l.latency_ms AS last_latency_ms, l.at AS last_attempt_at
FROM alert_deliveries d
JOIN company_alerts a ON a.id = d.alert_id
JOIN alert_endpoints p ON p.id = d.endpoint_id
JOIN company_alert_rules r ON r.id = a.rule_id
LEFT JOIN LATERAL (SELECT x.status_code, x.error, x.latency_ms, x.at FROM alert_delivery_attempts x
                   WHERE x.delivery_id = d.id ORDER BY x.id DESC LIMIT 1) l ON TRUE
WHERE p.agency_id = $1 AND a.site_id = $2
  AND ($4::text IS NULL OR d.status = $4) AND ($5::uuid IS NULL OR d.endpoint_id = $5)
ORDER BY d.created_at DESC, d.id DESC
LIMIT $3`;

/** $1 agency id, $2 site uuid, $3 delivery id. Out: the attempts, oldest first. */
export const deliveryAttempts = `
SELECT x.attempt, x.status_code, x.error, x.latency_ms, x.at
FROM alert_delivery_attempts x JOIN alert_deliveries d ON d.id = x.delivery_id
JOIN alert_endpoints p ON p.id = d.endpoint_id
WHERE p.agency_id = $1 AND p.site_id = $2 AND d.id = $3 ORDER BY x.id`;

/** Manual replay: the delivery starts over (new job generation). $1 agency, $2 site, $3 delivery. */
export const replayDelivery = `
UPDATE alert_deliveries d SET status = 'pending', attempts = 0, generation = d.generation + 1, delivered_at = NULL
FROM alert_endpoints p
WHERE d.id = $3 AND p.id = d.endpoint_id AND p.agency_id = $1 AND p.site_id = $2
RETURNING d.id, d.generation`;

// ---- dispatcher

/**
 * Out: site_id of the sites with outbox rows, oldest activity first, at most $1. A read without row
 * locks, so it may span shards on Citus; the claims that follow name one site each.
 */
export const activitySites = `
SELECT site_id FROM company_activity_outbox GROUP BY site_id ORDER BY min(id) LIMIT $1`;

/**
 * Claims up to $2 outbox rows of site $1 (other dispatchers skip them until this transaction ends).
 * One site per statement: on Citus, FOR UPDATE works only on a query routed to one shard, and
 * site_id is the distribution column.
 */
export const claimActivity = `
SELECT site_id, id, domain, events, page_paths, first_at, last_at FROM company_activity_outbox
WHERE site_id = $1 ORDER BY id LIMIT $2 FOR UPDATE SKIP LOCKED`;

/** $1 site_id, $2 id[]: the claimed rows of that site, done. */
export const deleteActivity = `DELETE FROM company_activity_outbox WHERE site_id = $1 AND id = ANY($2::bigint[])`;

/** $1 script_ids. Out: active sites of active agencies, with the agency's dashboard hostname (for links). */
export const sitesByScript = `
SELECT s.id, s.script_id, s.name, s.domain, s.agency_id, b.hostname AS agency_hostname
FROM sites s JOIN agencies a ON a.id = s.agency_id LEFT JOIN agency_branding b ON b.agency_id = s.agency_id
WHERE s.script_id = ANY($1::text[]) AND s.status = 'active' AND a.status = 'active'`;

/** $1 site uuids. Out: the enabled rules of these sites. */
export const enabledRules = `
SELECT ${RULE_COLUMNS} FROM company_alert_rules WHERE site_id = ANY($1::uuid[]) AND enabled`;

/**
 * The alerts of one company's activity, one per fired rule: $1 rule ids, $2 site uuid, $3 domain,
 * $4 window_start per rule, $5 payload per rule (JSON text). Out: id of each alert this call created
 * (a rule that already fired for the company in its window creates none).
 */
export const insertAlerts = `
INSERT INTO company_alerts (rule_id, site_id, domain, window_start, payload)
SELECT k.rule_id, $2, $3, k.window_start, k.payload::jsonb
FROM unnest($1::uuid[], $4::timestamptz[], $5::text[]) AS k(rule_id, window_start, payload)
ON CONFLICT (rule_id, domain, window_start) DO NOTHING RETURNING id`;

/** $1 alert ids: one delivery per alert and enabled endpoint its rule names (of the alert's site). */
export const insertDeliveries = `
INSERT INTO alert_deliveries (alert_id, endpoint_id)
SELECT a.id, p.id FROM company_alerts a
JOIN company_alert_rules r ON r.id = a.rule_id
JOIN alert_endpoints p ON p.site_id = a.site_id AND p.id = ANY(r.endpoint_ids) AND p.enabled
WHERE a.id = ANY($1::uuid[])
ON CONFLICT (alert_id, endpoint_id) DO NOTHING RETURNING id, generation`;

/** Pending deliveries older than $1 seconds (their job may have been lost between commit and enqueue). */
export const stalePending = `
SELECT id, generation FROM alert_deliveries WHERE status = 'pending' AND updated_at < now() - make_interval(secs => $1)
ORDER BY created_at LIMIT 500`;

// ---- delivery worker

/**
 * Takes one attempt of a delivery ($1 id, $2 generation): only while it is not delivered or dead and
 * still of this generation. Out: what sending needs.
 */
export const beginAttempt = `
UPDATE alert_deliveries d SET status = 'sending', attempts = d.attempts + 1
FROM company_alerts a, alert_endpoints p
WHERE d.id = $1 AND d.generation = $2 AND d.status IN ('pending', 'retrying', 'sending')
  AND a.id = d.alert_id AND p.id = d.endpoint_id
RETURNING d.id, d.attempts, a.id AS alert_id, a.payload, a.created_at AS alert_created_at,
  p.id AS endpoint_id, p.agency_id, p.site_id, p.name AS endpoint_name, p.kind, p.url, p.recipients, p.secret,
  p.previous_secret, p.previous_secret_until, p.enabled`;

/** $1 delivery id, $2 attempt, $3 status code|null, $4 error|null, $5 latency ms. */
export const logAttempt = `
INSERT INTO alert_delivery_attempts (delivery_id, attempt, status_code, error, latency_ms) VALUES ($1, $2, $3, $4, $5)`;

/** $1 delivery id, $2 endpoint id: delivered; the endpoint's failure count starts over. */
export const markDelivered = `
WITH d AS (UPDATE alert_deliveries SET status = 'delivered', delivered_at = now() WHERE id = $1 RETURNING 1)
UPDATE alert_endpoints SET consecutive_failures = 0 WHERE id = $2`;

/**
 * $1 delivery id, $2 final (dead, else retrying), $3 endpoint id, $4 disable after this many failures.
 * Out: disabled_now when this failure disabled the endpoint.
 */
export const markFailed = `
WITH d AS (UPDATE alert_deliveries SET status = CASE WHEN $2 THEN 'dead' ELSE 'retrying' END WHERE id = $1 RETURNING 1),
     p AS (UPDATE alert_endpoints SET consecutive_failures = consecutive_failures + 1,
             enabled = CASE WHEN consecutive_failures + 1 >= $4 THEN FALSE ELSE enabled END,
             disabled_reason = CASE WHEN enabled AND consecutive_failures + 1 >= $4
               THEN 'disabled after ' || (consecutive_failures + 1) || ' failed attempts in a row' ELSE disabled_reason END
           WHERE id = $3
           RETURNING enabled, consecutive_failures)
SELECT (NOT p.enabled AND p.consecutive_failures = $4) AS disabled_now FROM p`;

/** $1 delivery id: dead without an attempt (its endpoint is disabled). */
export const markDead = `UPDATE alert_deliveries SET status = 'dead' WHERE id = $1`;

/** $1 agency id. Out: email of its active admins (told when an endpoint is disabled). */
export const agencyAdmins = `
SELECT email FROM dashboard_users WHERE agency_id = $1 AND role = 'admin' AND is_active`;
