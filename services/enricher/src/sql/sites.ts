/**
 * Sites the enricher needs for a job.
 * In:  $1 text[] of script_ids.
 * Out: id, agency_id, domain, script_id, status, config (one row per known script_id; unknown ones absent).
 */
export const selectSites = `
SELECT id::text AS id, agency_id::text AS agency_id, lower(domain) AS domain, script_id, status, config
FROM sites
WHERE script_id = ANY($1::text[])`;
