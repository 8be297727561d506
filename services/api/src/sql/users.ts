/**
 * Statements on dashboard users. Each takes the caller's agency id and filters on it (tenant wall in
 * the SQL). password_hash never leaves these statements except for login (sql/auth.ts).
 */

import { adminSql } from '@beacon/db';

// site_ids: the sites granted to the user (used when site_access = 'selected'; migration 0110).
const { USER_COLUMNS } = adminSql;

/** $1 agency id, $2 user id. Out: the user (0 or 1 row). */
export const findUser = `SELECT ${USER_COLUMNS} FROM dashboard_users WHERE agency_id = $1 AND id = $2`;

/** $1 user id (no agency filter: only for the user's own login). Out: the user (0 or 1 row). */
export const findUserById = `SELECT ${USER_COLUMNS} FROM dashboard_users WHERE id = $1`;

/** $1 agency id, $2 cursor email|null, $3 cursor id|null, $4 limit. Out: users by (email, id). */
export const listUsers = `
SELECT ${USER_COLUMNS} FROM dashboard_users
WHERE agency_id = $1 AND ($2::text IS NULL OR (email, id) > ($2::text, $3::uuid))
ORDER BY email, id
LIMIT $4`;

/**
 * $1 agency id, $2 user id, $3 email|null, $4 password hash|null, $5 role|null, $6 first name|null,
 * $7 last name|null, $8 is_active|null, $9 site_access|null. Out: the user (0 rows = not in the agency).
 */
export const updateUser = `
UPDATE dashboard_users SET
  email = COALESCE(lower($3), email),
  password_hash = COALESCE($4, password_hash),
  role = COALESCE($5, role),
  first_name = COALESCE($6, first_name),
  last_name = COALESCE($7, last_name),
  is_active = COALESCE($8, is_active),
  site_access = COALESCE($9, site_access)
WHERE agency_id = $1 AND id = $2
RETURNING ${USER_COLUMNS}`;

/** $1 agency id, $2 user id. Out: id. */
export const deleteUser = `DELETE FROM dashboard_users WHERE agency_id = $1 AND id = $2 RETURNING id`;

/**
 * $1 agency id. Locks the agency's active admins (inside a transaction) so two requests cannot each
 * remove "another" admin and leave none. Out: ids.
 */
export const lockActiveAdmins = `
SELECT id FROM dashboard_users WHERE agency_id = $1 AND role = 'admin' AND is_active FOR UPDATE`;

/** $1 agency id, $2 site uuids. Out: the ids among them that are sites of the agency. */
export const sitesOfAgency = `SELECT id FROM sites WHERE agency_id = $1 AND id = ANY($2::uuid[])`;

/**
 * Replaces the sites granted to a user by exactly $3 (uuid[]), keeping the grants already there.
 * $1 agency id, $2 user id, $3 site uuids, $4 granting user id|null. Only sites and users of the
 * agency take part (the tenant wall in SQL).
 */
export const replaceUserSites = `
WITH gone AS (
  DELETE FROM user_site_access g USING dashboard_users u
  WHERE g.user_id = u.id AND u.agency_id = $1 AND u.id = $2 AND NOT (g.site_id = ANY($3::uuid[]))
)
INSERT INTO user_site_access (user_id, site_id, granted_by)
SELECT u.id, s.id, $4 FROM dashboard_users u JOIN sites s ON s.agency_id = u.agency_id
WHERE u.agency_id = $1 AND u.id = $2 AND s.id = ANY($3::uuid[])
ON CONFLICT (user_id, site_id) DO NOTHING`;

/** $1 agency id, $2 user id, $3 site uuid, $4 granting user id|null. Out: user_id (0 rows = no such user). */
export const grantSite = `
INSERT INTO user_site_access (user_id, site_id, granted_by)
SELECT u.id, s.id, $4 FROM dashboard_users u JOIN sites s ON s.agency_id = u.agency_id
WHERE u.agency_id = $1 AND u.id = $2 AND s.id = $3
ON CONFLICT (user_id, site_id) DO UPDATE SET user_id = EXCLUDED.user_id
RETURNING user_id`;

/** $1 agency id, $2 user id, $3 site uuid. Out: user_id of the removed grant (0 rows = none). */
export const revokeSite = `
DELETE FROM user_site_access g USING dashboard_users u
WHERE g.user_id = u.id AND u.agency_id = $1 AND u.id = $2 AND g.site_id = $3
RETURNING g.user_id`;

/** Users of the agency granted the site, by email. $1 agency id, $2 site uuid. Out: users. */
export const usersOfSite = `
SELECT ${USER_COLUMNS} FROM dashboard_users
WHERE agency_id = $1 AND id IN (SELECT user_id FROM user_site_access WHERE site_id = $2)
ORDER BY email, id`;
