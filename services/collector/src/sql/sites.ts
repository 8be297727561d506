/**
 * Site lookup of the collector's hot path (cached in memory, see ../sites.ts).
 * In:  $1 script_id (text).
 * Out: 0 or 1 row {script_id, status ('active'|'paused'|'deleted'), domain (text), config (jsonb)}.
 * Uses the unique index on sites(script_id).
 */
export const siteByScriptId = `SELECT script_id, status, domain, config FROM sites WHERE script_id = $1`;
