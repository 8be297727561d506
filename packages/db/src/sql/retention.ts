import pg from 'pg';

/**
 * Retention statements. Inputs are positional parameters; each statement's header says which.
 * Agencies keep `config.retention_months` (a whole number) or the configured default.
 */

/**
 * $1 default months. Out: agency_id, months, script_ids (text[]): one row per agency and retention in
 * force among its sites. A site keeps the shorter of its own `config.retention_months` and its agency's
 * (LEAST ignores a site without one); an agency without sites still gets its row. Malformed config
 * values are ignored (the agency's: the default; the site's: the agency's).
 */
export const agencyRetention = `
WITH agency AS (
  SELECT id,
         CASE WHEN config->>'retention_months' ~ '^[0-9]{1,4}$' AND (config->>'retention_months')::int > 0
              THEN (config->>'retention_months')::int ELSE $1::int END AS months
  FROM agencies
), site AS (
  SELECT a.id AS agency_id, s.script_id,
         LEAST(a.months,
               CASE WHEN s.config->>'retention_months' ~ '^[0-9]{1,4}$' AND (s.config->>'retention_months')::int > 0
                    THEN (s.config->>'retention_months')::int END) AS months
  FROM agency a
  LEFT JOIN sites s ON s.agency_id = a.id
)
SELECT agency_id, months,
       COALESCE(array_agg(script_id ORDER BY script_id) FILTER (WHERE script_id IS NOT NULL), '{}') AS script_ids
FROM site
GROUP BY agency_id, months
ORDER BY agency_id, months`;

/** $1 cutoff. Out: name, range_start, range_end of monthly partitions wholly before the cutoff. */
export const partitionsBefore = `
SELECT name, range_start, range_end FROM beacon_event_partitions
WHERE range_end <= $1::timestamptz ORDER BY range_start`;

/** $1 site ids (text[]) or NULL for every site, $2 cutoff, $3 batch size. Out: rowCount deleted. */
export const deleteEventsBatch = `
DELETE FROM events e
USING (SELECT id, server_timestamp FROM events
       WHERE ($1::text[] IS NULL OR site_id = ANY($1::text[])) AND server_timestamp < $2::timestamptz
       LIMIT $3) old
WHERE e.id = old.id AND e.server_timestamp = old.server_timestamp`;

/** $1 cutoff, $2 batch size. Rows of months that had no partition (events_default). Out: rowCount. */
export const deleteDefaultPartitionBatch = `
DELETE FROM events_default e
USING (SELECT id, server_timestamp FROM events_default WHERE server_timestamp < $1::timestamptz LIMIT $2) old
WHERE e.id = old.id AND e.server_timestamp = old.server_timestamp`;

/** $1 cutoff. Out: n. */
export const countDefaultPartitionBefore = `
SELECT count(*)::bigint AS n FROM events_default WHERE server_timestamp < $1::timestamptz`;

/** $1 site ids (text[]) or NULL, $2 cutoff. Out: n. */
export const countEventsBefore = `
SELECT count(*)::bigint AS n FROM events
WHERE ($1::text[] IS NULL OR site_id = ANY($1::text[])) AND server_timestamp < $2::timestamptz`;

/** $1 site ids (text[]), $2 cutoff, $3 batch size. Out: rowCount deleted. */
export const deleteSessionsBatch = `
DELETE FROM sessions WHERE id IN (
  SELECT id FROM sessions WHERE site_id = ANY($1::text[]) AND started_at < $2::timestamptz LIMIT $3)`;

/** $1 site ids (text[]), $2 cutoff. Out: n. */
export const countSessionsBefore = `
SELECT count(*)::bigint AS n FROM sessions WHERE site_id = ANY($1::text[]) AND started_at < $2::timestamptz`;

/** Rows of one partition (`name` from partitionsBefore, quoted here). Out: n. */
export const countPartition = (name: string) =>
  `SELECT count(*)::bigint AS n FROM ${pg.escapeIdentifier(name)}`;

/** Drops one partition of events wholly past retention (`name` from partitionsBefore). */
export const dropPartition = (name: string) => `DROP TABLE ${pg.escapeIdentifier(name)}`;
