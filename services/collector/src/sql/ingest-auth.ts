/**
 * Credentials of the server-side and compatible intakes (see ../ingest-auth.ts). Run on a cache miss only.
 */

/**
 * A live site ingest token by its hash, marking it used.
 * In:  $1 token_hash (sha256 hex).
 * Out: 0 or 1 row {script_id}. Revoked tokens and tokens of deleted sites give no row.
 */
export const useIngestToken = `
UPDATE site_ingest_tokens t SET last_used_at = now()
FROM sites s
WHERE t.token_hash = $1 AND t.revoked_at IS NULL AND s.id = t.site_id AND s.status <> 'deleted'
RETURNING s.script_id`;

/**
 * Whether a site belongs to an agency. In: $1 script_id, $2 agency id. Out: 0 or 1 row.
 */
export const siteOfAgency = `SELECT script_id FROM sites WHERE script_id = $1 AND agency_id = $2`;
