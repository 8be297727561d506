/**
 * Site ingest tokens (migration 0100) and ingestion health reads. Every statement is scoped by the
 * site's uuid, which the route's site scope has already checked against the caller's agency.
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

