/**
 * Statements of authentication: dashboard logins, login sessions with rotating refresh tokens, agency
 * API keys. Tables: dashboard_users, agencies (seed), auth_sessions (migration 0030), auth_refresh_history
 * (migration 0065: every refresh token a session rotated away from, for family-wide reuse detection).
 */

/** $1 email (any case). Out: the user, its agency's status (0 or 1 row). */
export const findUserForLogin = `
SELECT u.id, u.agency_id, u.email, u.password_hash, u.role, u.is_active, a.status AS agency_status
FROM dashboard_users u JOIN agencies a ON a.id = u.agency_id
WHERE u.email = lower($1)`;

/** $1 user id. Sets last_login. */
export const touchLastLogin = `UPDATE dashboard_users SET last_login = now() WHERE id = $1`;

/**
 * $1 user id, $2 refresh token hash (sha256 hex), $3 lifetime in seconds, $4 user agent, $5 ip.
 * Out: id, expires_at.
 */
export const insertSession = `
INSERT INTO auth_sessions (user_id, refresh_hash, expires_at, user_agent, ip)
VALUES ($1, $2, now() + make_interval(secs => $3), left($4, 500), left($5, 45))
RETURNING id, expires_at`;

/**
 * Rotation: $1 presented refresh hash, $2 new refresh hash, $3 lifetime in seconds (sliding, capped by
 * absolute_expires_at). Only a live session whose CURRENT hash matches rotates (one winner under races);
 * the presented hash joins the session's history, so a later replay of it is recognised (revokeOnReuse).
 * Out: session id, user id, agency id, role, expires_at; 0 rows otherwise.
 */
export const rotateRefresh = `
WITH rotated AS (
  UPDATE auth_sessions s
  SET refresh_hash = $2, refreshed_at = now(),
      expires_at = LEAST(now() + make_interval(secs => $3), s.absolute_expires_at)
  FROM dashboard_users u JOIN agencies a ON a.id = u.agency_id
  WHERE s.refresh_hash = $1 AND s.revoked_at IS NULL AND s.expires_at > now()
    AND u.id = s.user_id AND u.is_active AND a.status = 'active'
  RETURNING s.id, s.user_id, u.agency_id, u.role, s.expires_at
), remembered AS (
  INSERT INTO auth_refresh_history (refresh_hash, session_id) SELECT $1, id FROM rotated
)
SELECT id, user_id, agency_id, role, expires_at FROM rotated`;

/**
 * Reuse of ANY refresh token the session already rotated away from means it leaked (the owner and a
 * thief both hold members of one family): revoke the whole session, whoever holds its newest token.
 * $1 presented hash. Out: id of the revoked session (0 rows if the hash is unknown).
 */
export const revokeOnReuse = `
UPDATE auth_sessions SET revoked_at = COALESCE(revoked_at, now()), revoked_reason = COALESCE(revoked_reason, 'refresh_reuse')
WHERE id = (SELECT session_id FROM auth_refresh_history WHERE refresh_hash = $1) RETURNING id`;

/** $1 refresh hash. Logout by refresh token. Out: id. */
export const revokeByRefresh = `
UPDATE auth_sessions SET revoked_at = now(), revoked_reason = 'logout'
WHERE refresh_hash = $1 AND revoked_at IS NULL RETURNING id`;

/** $1 session id, $2 user id. Logout by access token. Out: id. */
export const revokeSession = `
UPDATE auth_sessions SET revoked_at = now(), revoked_reason = 'logout'
WHERE id = $1 AND user_id = $2 AND revoked_at IS NULL RETURNING id`;

/** $1 user id, $2 reason. Revokes every live session of a user (deactivated, deleted, password changed). */
export const revokeUserSessions = `
UPDATE auth_sessions SET revoked_at = now(), revoked_reason = $2
WHERE user_id = $1 AND revoked_at IS NULL`;

/**
 * Per-request check of an access token: the session is live, the user active and the agency active.
 * The role and site access come from the row (a demotion or a narrowed access applies to the next
 * request, not at token expiry). $1 session id, $2 user id. Out: agency_id, role, site_access (0 rows = reject).
 */
export const checkSession = `
SELECT u.agency_id, u.role, u.site_access
FROM auth_sessions s
JOIN dashboard_users u ON u.id = s.user_id
JOIN agencies a ON a.id = u.agency_id
WHERE s.id = $1 AND s.user_id = $2 AND s.revoked_at IS NULL AND s.expires_at > now()
  AND u.is_active AND a.status = 'active'`;

/**
 * Housekeeping: forgets sessions that ended (expired or revoked) more than $1 days ago. Out: count.
 * Run by the API on a timer; a replayed refresh token of a forgotten session is simply unknown.
 */
export const purgeEndedSessions = `
DELETE FROM auth_sessions
WHERE LEAST(expires_at, COALESCE(revoked_at, 'infinity')) < now() - make_interval(days => $1)`;
