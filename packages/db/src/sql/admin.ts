/** Statements that create and change tenants, sites and users (CLI and API share them). */

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

/** $1 agency id, $2 name, $3 domain, $4 script_id, $5 config. Out: the site row. */
export const insertSite = `
INSERT INTO sites (agency_id, name, domain, script_id, config)
VALUES ($1, $2, $3, $4, COALESCE($5::jsonb, '{}'::jsonb))
RETURNING id, agency_id, name, domain, script_id, status, config, created_at`;

/** $1 agency id, $2 email, $3 password hash, $4 role, $5 first name, $6 last name. Out: the user row. */
export const insertUser = `
INSERT INTO dashboard_users (agency_id, email, password_hash, role, first_name, last_name)
VALUES ($1, lower($2), $3, $4, $5, $6)
RETURNING id, agency_id, email, role, is_active, created_at`;
