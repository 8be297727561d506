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
 * Adds a raw job's counts once: $1 job id, then the arrays of addHealthCounts as $2..$6. The job's
 * marker (ingestion_health_jobs, migration 0175) and its counts go in one statement; a job already
 * counted (a retry after a crash before its ack) adds nothing. Out: rowCount (0 when already counted).
 */
export const addJobHealthCounts = `
WITH job AS (
  INSERT INTO ingestion_health_jobs (job_id) VALUES ($1) ON CONFLICT DO NOTHING RETURNING job_id
)
INSERT INTO ingestion_health AS h (site_id, hour, outcome, reason, count)
SELECT site_id, hour, outcome, reason, n
FROM unnest($2::text[], $3::timestamptz[], $4::text[], $5::text[], $6::bigint[]) AS t(site_id, hour, outcome, reason, n)
WHERE EXISTS (SELECT 1 FROM job)
ORDER BY site_id, hour, outcome, reason
ON CONFLICT (site_id, hour, outcome, reason) DO UPDATE
  SET count = h.count + EXCLUDED.count, updated_at = now()`;

/** Retention: $1 cutoff, $2 batch size. Deletes ingestion_health rows of hours before the cutoff. */
export const deleteHealthBefore = `
DELETE FROM ingestion_health h
USING (SELECT site_id, hour, outcome, reason FROM ingestion_health WHERE hour < $1::timestamptz LIMIT $2) old
WHERE (h.site_id, h.hour, h.outcome, h.reason) = (old.site_id, old.hour, old.outcome, old.reason)`;

/** Retention: $1 cutoff, $2 batch size. Deletes job markers counted before the cutoff. */
export const deleteHealthJobsBefore = `
DELETE FROM ingestion_health_jobs
WHERE job_id IN (SELECT job_id FROM ingestion_health_jobs WHERE counted_at < $1::timestamptz LIMIT $2)`;

/** Retention dry run: $1 cutoff. Out: one row {n}, the ingestion_health rows a run would delete. */
export const countHealthBefore = `
SELECT count(*)::bigint AS n FROM ingestion_health WHERE hour < $1::timestamptz`;

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
