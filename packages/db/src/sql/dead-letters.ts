/**
 * dead_events: what could not be stored, one row per event id (see migration 0001). The enricher records
 * hits it could not enrich, the writer rows PostgreSQL refused (both through recordDeadLetters); the
 * CLI (`beacon dead-letters list|replay|purge`) reads, replays and purges.
 */

/**
 * $1 id uuid[], $2 site_id text[], $3 stage text, $4 payload jsonb[], $5 error text[], $6 sqlstate text[],
 * $7 hour of receipt timestamptz[]. Out: rowCount (health rows touched). A second failure of the same
 * event counts up and clears replayed_at (the replay did not fix it). In the same statement, an id
 * dead-lettered for the first time (a new row) counts once in ingestion_health (dead_lettered, reason =
 * stage) in its hour: a retried job, a second failure or a replay that fails again adds nothing, so the
 * count is of hits like the other outcomes. Ids must be distinct within one call.
 */
export const recordDeadEvents = `
WITH dead AS (
  INSERT INTO dead_events AS d (id, site_id, stage, payload, error, sqlstate)
  SELECT id, site_id, $3, payload, error, sqlstate
  FROM unnest($1::uuid[], $2::text[], $4::jsonb[], $5::text[], $6::text[]) AS t(id, site_id, payload, error, sqlstate)
  ORDER BY id
  ON CONFLICT (id) DO UPDATE SET
    count        = d.count + 1,
    last_seen_at = now(),
    stage        = EXCLUDED.stage,
    payload      = EXCLUDED.payload,
    error        = EXCLUDED.error,
    sqlstate     = EXCLUDED.sqlstate,
    replayed_at  = NULL
  RETURNING d.id, d.site_id, d.xmax = 0 AS first_time
)
INSERT INTO ingestion_health AS h (site_id, hour, outcome, reason, count)
SELECT dead.site_id, t.hour, 'dead_lettered', $3, count(*)
FROM dead JOIN unnest($1::uuid[], $7::timestamptz[]) AS t(id, hour) ON t.id = dead.id
WHERE dead.first_time AND dead.site_id IS NOT NULL
GROUP BY dead.site_id, t.hour
ORDER BY dead.site_id, t.hour
ON CONFLICT (site_id, hour, outcome, reason) DO UPDATE
  SET count = h.count + EXCLUDED.count, updated_at = now()`;

/**
 * $1 site_id or NULL, $2 stage or NULL, $3 true = only not yet replayed, $4 limit.
 * Out: id, site_id, stage, error, sqlstate, count, first_seen_at, last_seen_at, replayed_at (newest first).
 */
export const listDeadEvents = `
SELECT id, site_id, stage, error, sqlstate, count, first_seen_at, last_seen_at, replayed_at
FROM dead_events
WHERE ($1::text IS NULL OR site_id = $1) AND ($2::text IS NULL OR stage = $2)
  AND (NOT $3::boolean OR replayed_at IS NULL)
ORDER BY last_seen_at DESC, id
LIMIT $4`;

/** $1 site_id or NULL, $2 stage or NULL. Out: stage, sqlstate, rows, events (sum of count), pending. */
export const summarizeDeadEvents = `
SELECT stage, sqlstate, count(*)::int AS rows, sum(count)::int AS events,
       (count(*) FILTER (WHERE replayed_at IS NULL))::int AS pending
FROM dead_events
WHERE ($1::text IS NULL OR site_id = $1) AND ($2::text IS NULL OR stage = $2)
GROUP BY stage, sqlstate ORDER BY stage, sqlstate`;

/**
 * $1 ids uuid[] or NULL, $2 site_id or NULL, $3 stage, $4 limit. Out: id, site_id, payload of dead
 * events not yet replayed, oldest first.
 */
export const pendingDeadEvents = `
SELECT id, site_id, payload FROM dead_events
WHERE replayed_at IS NULL AND stage = $3
  AND ($1::uuid[] IS NULL OR id = ANY($1::uuid[])) AND ($2::text IS NULL OR site_id = $2)
ORDER BY first_seen_at, id
LIMIT $4`;

/** $1 ids uuid[]. Out: rowCount. */
export const markDeadEventsReplayed = `UPDATE dead_events SET replayed_at = now() WHERE id = ANY($1::uuid[])`;

/**
 * $1 ids uuid[] or NULL, $2 site_id or NULL, $3 stage or NULL, $4 true = only replayed ones,
 * $5 last seen before (timestamptz) or NULL. Out: rowCount deleted.
 */
export const purgeDeadEvents = `
DELETE FROM dead_events
WHERE ($1::uuid[] IS NULL OR id = ANY($1::uuid[])) AND ($2::text IS NULL OR site_id = $2)
  AND ($3::text IS NULL OR stage = $3) AND (NOT $4::boolean OR replayed_at IS NOT NULL)
  AND ($5::timestamptz IS NULL OR last_seen_at < $5)`;

/**
 * $1 ids uuid[]. Out: id of those already in events (the leading column of its primary key (id,
 * server_timestamp), one index probe per partition). A job that fails for good after its rows were
 * stored (a holder killed between COMMIT and completing the job) dead-letters only the others.
 */
export const storedEventIds = `SELECT id FROM events WHERE id = ANY($1::uuid[])`;
