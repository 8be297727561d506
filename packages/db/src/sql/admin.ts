/**
 * Statements that create and change tenants, sites and users: the one home for what both the API
 * (services/api, with its tenant wall in the route) and the CLI (services/cli) write.
 */

/**
 * The columns of a site as both answer it; quota_warning: the highest monthly-quota warning (80, 100)
 * of the current UTC month, or null (migration 0181).
 */
export const SITE_COLUMNS = `id, agency_id, name, domain, script_id, config, status, created_at, updated_at, monthly_event_quota,
  (SELECT max(q.threshold) FROM quota_warnings q WHERE q.site_id = sites.id
     AND q.month = date_trunc('month', now() AT TIME ZONE 'UTC')::date) AS quota_warning`;

/** The columns of a dashboard user (never its password hash); site_ids: its granted sites (migration 0110). */
export const USER_COLUMNS = `id, agency_id, email, first_name, last_name, role, is_active, last_login, created_at, updated_at,
  site_access, ARRAY(SELECT g.site_id FROM user_site_access g WHERE g.user_id = dashboard_users.id ORDER BY g.site_id) AS site_ids`;

/** $1 name, $2 email, $3 api_key hash, $4 api_key_prefix, $5 config. Out: the agency row. */
export const insertAgency = `
INSERT INTO agencies (name, email, api_key, api_key_prefix, config)
VALUES ($1, $2, $3, $4, COALESCE($5::jsonb, '{}'::jsonb))
RETURNING id, name, email, status, config, created_at`;

/** $1 agency id or email. Out: id, name, email, status (0 or 1 row). */
export const findAgency = `
SELECT id, name, email, status FROM agencies
WHERE (CASE WHEN $1 ~* '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$' THEN id = $1::uuid ELSE false END)
   OR lower(email) = lower($1)`;

/** $1 agency id, $2 new api_key hash, $3 new prefix. Out: id. The old key stops matching at once. */
export const rotateAgencyKey = `
UPDATE agencies SET api_key = $2, api_key_prefix = $3 WHERE id = $1 RETURNING id`;

/**
 * $1 agency id, $2 name, $3 domain, $4 script_id, $5 config (jsonb|null: {}), $6 status (null: active).
 * Out: SITE_COLUMNS.
 */
export const insertSite = `
INSERT INTO sites (agency_id, name, domain, script_id, config, status)
VALUES ($1, $2, $3, $4, COALESCE($5::jsonb, '{}'::jsonb), COALESCE($6::text, 'active'))
RETURNING ${SITE_COLUMNS}`;

/**
 * $1 agency id, $2 email, $3 password hash, $4 role, $5 first name, $6 last name, $7 is_active (null:
 * true), $8 site_access (null: all). Out: USER_COLUMNS.
 */
export const insertUser = `
INSERT INTO dashboard_users (agency_id, email, password_hash, role, first_name, last_name, is_active, site_access)
VALUES ($1, lower($2), $3, $4, $5, $6, COALESCE($7::boolean, true), COALESCE($8::text, 'all'))
RETURNING ${USER_COLUMNS}`;
