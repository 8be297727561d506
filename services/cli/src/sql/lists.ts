/** Statements of the CLI's `list` commands and lookups (the inserts are @beacon/db's adminSql). */

/** Out: id, name, email, status, sites, users, created_at of every agency not deleted, oldest first. */
export const listAgencies = `
SELECT a.id, a.name, a.email, a.status,
       (SELECT count(*)::int FROM sites s WHERE s.agency_id = a.id AND s.status <> 'deleted') AS sites,
       (SELECT count(*)::int FROM dashboard_users u WHERE u.agency_id = a.id AND u.is_active) AS users,
       a.created_at
FROM agencies a
WHERE a.status <> 'deleted'
ORDER BY a.created_at, a.id`;

/** $1 agency id or null (every agency). Out: id, agency_id, agency, name, domain, script_id, status. */
export const listSites = `
SELECT s.id, s.agency_id, a.name AS agency, s.name, s.domain, s.script_id, s.status, s.created_at
FROM sites s JOIN agencies a ON a.id = s.agency_id
WHERE ($1::uuid IS NULL OR s.agency_id = $1::uuid) AND s.status <> 'deleted'
ORDER BY a.created_at, s.created_at, s.id`;

/** $1 agency id or null. Out: id, agency_id, agency, email, role, is_active, last_login. */
export const listUsers = `
SELECT u.id, u.agency_id, a.name AS agency, u.email, u.role, u.is_active, u.last_login
FROM dashboard_users u JOIN agencies a ON a.id = u.agency_id
WHERE ($1::uuid IS NULL OR u.agency_id = $1::uuid)
ORDER BY a.created_at, u.email`;

/** Out: id, name, email of agencies not deleted (at most 2: enough to know whether one is alone). */
export const firstAgencies = `
SELECT id, name, email FROM agencies WHERE status <> 'deleted' ORDER BY created_at, id LIMIT 2`;

/** $1 domain. Out: the live sites with that domain: id, name, script_id, agency_id, agency. */
export const sitesWithDomain = `
SELECT s.id, s.name, s.script_id, s.agency_id, a.name AS agency
FROM sites s JOIN agencies a ON a.id = s.agency_id
WHERE lower(s.domain) = lower($1) AND s.status <> 'deleted'
ORDER BY s.created_at`;

/**
 * $1 email, $2 password hash. Sets the password and ends the user's login sessions (a reset after a
 * leak must log the old holder out). Out: id, email, agency_id, sessions_ended (0 rows: no such user).
 */
export const setPassword = `
WITH u AS (
  UPDATE dashboard_users SET password_hash = $2 WHERE email = lower($1)
  RETURNING id, email, agency_id
), ended AS (
  UPDATE auth_sessions s SET revoked_at = now(), revoked_reason = 'password_set'
  FROM u WHERE s.user_id = u.id AND s.revoked_at IS NULL
  RETURNING s.id
)
SELECT u.id, u.email, u.agency_id, (SELECT count(*)::int FROM ended) AS sessions_ended FROM u`;

/** $1 email. Out: id, email (0 or 1 row). */
export const userByEmail = `SELECT id, email FROM dashboard_users WHERE email = lower($1)`;
