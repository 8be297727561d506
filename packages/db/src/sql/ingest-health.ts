/**
 * ingestion_health (migration 0100): counts of what happened to a site's hits, per hour of receipt.
 */

/**
 * Adds counts. $1 site_id text[], $2 hour timestamptz[], $3 outcome text[], $4 reason text[], $5 count bigint[].
 * Keys must be distinct within one call and are taken in key order (two callers upserting overlapping
 * keys lock them in the same order: no deadlock).
 */
export const addHealthCounts = `
INSERT INTO ingestion_health AS h (site_id, hour, outcome, reason, count)
SELECT site_id, hour, outcome, reason, n
FROM unnest($1::text[], $2::timestamptz[], $3::text[], $4::text[], $5::bigint[]) AS t(site_id, hour, outcome, reason, n)
ORDER BY site_id, hour, outcome, reason
ON CONFLICT (site_id, hour, outcome, reason) DO UPDATE
  SET count = h.count + EXCLUDED.count, updated_at = now()`;

/**
 * A site's counts in a time window. $1 script_id, $2 from (timestamptz), $3 to (timestamptz, exclusive).
 * Out: hour, outcome, reason, count (hour ascending).
 */
export const healthForSite = `
SELECT hour, outcome, reason, count::bigint AS count
FROM ingestion_health
WHERE site_id = $1 AND hour >= $2 AND hour < $3
ORDER BY hour, outcome, reason`;

/** Dead letters not yet replayed for a site. $1 script_id. Out: one row {waiting}. */
export const deadLettersWaiting = `
SELECT count(*)::int AS waiting FROM dead_events WHERE site_id = $1 AND replayed_at IS NULL`;
