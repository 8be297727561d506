/**
 * Site ingest tokens (migration 0100), for the API and the CLI. Every statement is scoped by the site's
 * uuid, which the caller has already checked against the agency.
 */

/**
 * $1 site id, $2 name, $3 token_hash (sha256 hex), $4 token_prefix, $5 created_by (user id or null).
 * Out: the token row (without its hash).
 */
export const insertIngestToken = `
INSERT INTO site_ingest_tokens (site_id, name, token_hash, token_prefix, created_by)
VALUES ($1, $2, $3, $4, $5)
RETURNING id, name, token_prefix, created_at, last_used_at, revoked_at`;

/** $1 site id. Out: the site's tokens, newest first (revoked ones included, marked). */
export const listIngestTokens = `
SELECT id, name, token_prefix, created_at, last_used_at, revoked_at
FROM site_ingest_tokens WHERE site_id = $1
ORDER BY created_at DESC, id
LIMIT 500`;

/** $1 site id, $2 token id. Out: the token, revoked now (or already); 0 rows when the site has no such token. */
export const revokeIngestToken = `
UPDATE site_ingest_tokens SET revoked_at = COALESCE(revoked_at, now())
WHERE site_id = $1 AND id = $2
RETURNING id, name, token_prefix, created_at, last_used_at, revoked_at`;

/** $1 site uuid or script_id. Out: id, script_id, name, domain, status (0 or 1 row). For the CLI. */
export const findSiteByRef = `
SELECT id, script_id, name, domain, status FROM sites
WHERE script_id = $1
   OR (CASE WHEN $1 ~* '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$' THEN id = $1::uuid ELSE false END)`;
