/**
 * audit_log (migration 0075): admin actions per agency. Written by packages/db/src/audit.ts only;
 * read by the API (GET /v1/audit) and `beacon audit list`; purged by the retention job.
 */

/**
 * $1 agency id, $2 actor_type, $3 actor_id|null, $4 actor_email|null (default: the user's current email), $5 action, $6 target_type|null,
 * $7 target_id|null, $8 details jsonb, $9 ip|null, $10 user_agent|null. Out: id, at.
 */
export const insertAudit = `
INSERT INTO audit_log (agency_id, actor_type, actor_id, actor_email, action, target_type, target_id, details, ip, user_agent)
VALUES ($1, $2, $3, COALESCE($4, (SELECT email FROM dashboard_users WHERE id = $3::uuid)), $5, $6, $7, $8::jsonb, $9, left($10, 500))
RETURNING id, at`;

/**
 * $1 agency id, $2 cursor at|null, $3 cursor id|null, $4 action prefix|null (e.g. 'privacy.'), $5 limit.
 * Out: entries newest first, keyset-paged by (at, id); at_key is `at` as exact text (the cursor).
 */
export const listAudit = `
SELECT id, at, at::text AS at_key, actor_type, actor_id, actor_email, action, target_type, target_id, details, ip, user_agent
FROM audit_log
WHERE agency_id = $1
  AND ($2::timestamptz IS NULL OR (at, id) < ($2::timestamptz, $3::bigint))
  AND ($4::text IS NULL OR starts_with(action, $4::text))
ORDER BY at DESC, id DESC
LIMIT $5`;

/** $1 cutoff, $2 batch size. Out: rowCount deleted (entries older than the cutoff). */
export const purgeAuditBatch = `
DELETE FROM audit_log WHERE id IN (SELECT id FROM audit_log WHERE at < $1::timestamptz LIMIT $2)`;

/** $1 cutoff. Out: n (entries older than the cutoff). */
export const countAuditBefore = `SELECT count(*)::bigint AS n FROM audit_log WHERE at < $1::timestamptz`;
