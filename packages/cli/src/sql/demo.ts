/**
 * Statements of the demo data (`beacon start`). Inserts reuse @beacon/db's adminSql; these only look up.
 */

/** $1 lock key (bigint). Serialises concurrent `beacon start` runs until the transaction ends. */
export const lock = `SELECT pg_advisory_xact_lock($1)`;

/** $1 agency id, $2 domain. Out: id, name, domain, script_id of the oldest live site (0 or 1 row). */
export const findSite = `
SELECT id, name, domain, script_id FROM sites
WHERE agency_id = $1 AND domain = $2 AND status <> 'deleted'
ORDER BY created_at, id LIMIT 1`;

/** $1 email. Out: id, email, role, agency_id (0 or 1 row). */
export const findUser = `SELECT id, email, role, agency_id FROM dashboard_users WHERE email = lower($1)`;
