/**
 * Statements on dashboard users. Each takes the caller's agency id and filters on it (tenant wall in
 * the SQL). password_hash never leaves these statements except for login (sql/auth.ts).
 */

const USER_COLUMNS = `id, agency_id, email, first_name, last_name, role, is_active, last_login, created_at, updated_at`;

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

/** $1 agency id, $2 email, $3 password hash, $4 role, $5 first name, $6 last name, $7 is_active. Out: the user. */
export const insertUser = `
INSERT INTO dashboard_users (agency_id, email, password_hash, role, first_name, last_name, is_active)
VALUES ($1, lower($2), $3, $4, $5, $6, $7)
RETURNING ${USER_COLUMNS}`;

/**
 * $1 agency id, $2 user id, $3 email|null, $4 password hash|null, $5 role|null, $6 first name|null,
 * $7 last name|null, $8 is_active|null. Out: the user (0 rows = not in the agency).
 */
export const updateUser = `
UPDATE dashboard_users SET
  email = COALESCE(lower($3), email),
  password_hash = COALESCE($4, password_hash),
  role = COALESCE($5, role),
  first_name = COALESCE($6, first_name),
  last_name = COALESCE($7, last_name),
  is_active = COALESCE($8, is_active)
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
