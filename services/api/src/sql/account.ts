/**
 * One-time account links (migration 0110): invitations and password resets. Only the SHA-256 of a
 * token is stored; accepting one marks it used in the same statement (single use under races).
 */

/** $1 user id, $2 purpose. Voids the user's earlier unused links of that purpose (a new one replaces them). */
export const voidTokens = `
UPDATE account_tokens SET used_at = now() WHERE user_id = $1 AND purpose = $2 AND used_at IS NULL`;

/** $1 user id, $2 purpose, $3 token hash, $4 lifetime in seconds. Out: expires_at. */
export const insertToken = `
INSERT INTO account_tokens (user_id, purpose, token_hash, expires_at)
VALUES ($1, $2, $3, now() + make_interval(secs => $4))
RETURNING expires_at`;

/** $1 token hash. Out: purpose when the link could be taken now (0 rows otherwise); changes nothing. */
export const peekToken = `
SELECT t.purpose FROM account_tokens t
JOIN dashboard_users u ON u.id = t.user_id JOIN agencies a ON a.id = u.agency_id
WHERE t.token_hash = $1 AND t.used_at IS NULL AND t.expires_at > now() AND u.is_active AND a.status = 'active'`;

/**
 * Takes a link: the unused, unexpired token with this hash, of an active user of an active agency, is
 * marked used and its user answered. $1 token hash. Out: user_id, purpose, email (0 rows = refuse).
 */
export const takeToken = `
UPDATE account_tokens t SET used_at = now()
FROM dashboard_users u JOIN agencies a ON a.id = u.agency_id
WHERE t.token_hash = $1 AND t.used_at IS NULL AND t.expires_at > now()
  AND u.id = t.user_id AND u.is_active AND a.status = 'active'
RETURNING t.user_id, t.purpose, u.email`;

/** $1 user id, $2 bcrypt hash. Sets the password. */
export const setPassword = `UPDATE dashboard_users SET password_hash = $2 WHERE id = $1`;

/** $1 agency id, $2 user id. Out: the user's email, last_login and agency name (0 or 1 row). */
export const findInvitee = `
SELECT u.id, u.email, u.last_login, COALESCE(b.display_name, a.name) AS agency_name, b.hostname AS agency_hostname
FROM dashboard_users u JOIN agencies a ON a.id = u.agency_id LEFT JOIN agency_branding b ON b.agency_id = a.id
WHERE u.agency_id = $1 AND u.id = $2`;

/** $1 email. Out: the active user of an active agency with it, and the agency name (0 or 1 row). */
export const findActiveUserByEmail = `
SELECT u.id, u.email, COALESCE(b.display_name, a.name) AS agency_name, b.hostname AS agency_hostname
FROM dashboard_users u JOIN agencies a ON a.id = u.agency_id LEFT JOIN agency_branding b ON b.agency_id = a.id
WHERE u.email = lower($1) AND u.is_active AND a.status = 'active'`;

/** Housekeeping: forgets links that ended (used or expired) over $1 days ago. Out: count. */
export const purgeEndedTokens = `
DELETE FROM account_tokens WHERE COALESCE(used_at, expires_at) < now() - make_interval(days => $1)`;
