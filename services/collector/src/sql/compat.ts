/**
 * Site lookups of the compatible intakes (../compat/*), cached in memory (../compat/site-lookup.ts).
 */

/**
 * Sites by domain (Plausible's `domain`, Umami's `hostname`): a leading "www." is ignored.
 * In:  $1 domain, lower-case, without www.  Out: up to 2 rows {script_id} (2 = ambiguous, refused).
 */
export const sitesByDomain = `
SELECT script_id FROM sites
WHERE regexp_replace(lower(domain), '^www\\.', '') = $1 AND status <> 'deleted'
ORDER BY created_at
LIMIT 2`;

/** A site by its uuid (Umami's website id may be set to it). In: $1 uuid text. Out: 0 or 1 row {script_id}. */
export const siteById = `SELECT script_id FROM sites WHERE id = $1::uuid`;
