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

/** $1 lock key. A session-level lock: the history seed spans many transactions. */
export const sessionLock = `SELECT pg_advisory_lock($1)`;
export const sessionUnlock = `SELECT pg_advisory_unlock($1)`;

/**
 * $1 site script_id. Out: has (boolean): the site has events older than a week (its history is there:
 * no visit to the demo page can make one).
 */
export const hasHistory = `
SELECT EXISTS (
  SELECT 1 FROM events WHERE site_id = $1 AND server_timestamp < now() - interval '7 days'
) AS has`;
