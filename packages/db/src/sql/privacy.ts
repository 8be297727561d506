/**
 * Data subject rights (docs/privacy-rights.md): find, export and erase the rows of one person within
 * an agency. Tables: migration 0075 (privacy_erasures, privacy_erasure_keys). Driven by
 * packages/db/src/privacy/*.ts.
 *
 * A person is named by up to five identifiers, always passed in the order of SUBJECT_FIELDS as five
 * text parameters (NULL = not given); a row is theirs when any given identifier matches. Events are
 * read per site and time slice through idx_events_site_time: no extra index on the hot insert path,
 * at the price of reading the agency's events once per walk (erasures are rare).
 */
import { ROLLUP_DIMENSIONS, sessionsMerge } from './rollups.js';

/** The identifiers of a person, in parameter order. */
export const SUBJECT_FIELDS = ['client_id', 'user_id', 'email_hash', 'phone_hash', 'ip'] as const;

/** Key space of the advisory lock a runner holds on an erasure request while it works on it. */
export const ERASURE_LOCK_SPACE = 0x7269_6768; // 'righ'

/** Events predicate on the five subject parameters starting at $first. */
const eventMatch = (first: number, alias = '') => {
  const c = (col: string) => `${alias}${col}`;
  return `(${c('client_id')} = $${first}::text OR ${c('user_id')} = $${first + 1}::text OR ${c('email_hash')} = $${first + 2}::text
    OR ${c('phone_hash')} = $${first + 3}::text OR ${c('ip_address')} = $${first + 4}::text)`;
};

/**
 * Dead letters predicate (payload: the writer's event row, or the enricher's {request, hit}) on the
 * five subject parameters starting at $first.
 */
const deadMatch = (first: number) => `(
  COALESCE(payload->>'client_id', payload->'hit'->>'client_id') = $${first}::text
  OR COALESCE(payload->>'user_id', payload->'hit'->>'user_id') = $${first + 1}::text
  OR COALESCE(payload->>'email_hash', payload->'hit'->>'email_hash') = $${first + 2}::text
  OR COALESCE(payload->>'phone_hash', payload->'hit'->>'phone_hash') = $${first + 3}::text
  OR COALESCE(payload->>'ip_address', payload->'request'->>'ip') = $${first + 4}::text)`;

/** $1 agency id. Out: ids (text[]): script_id of every site of the agency, deleted ones too, sorted. */
export const agencyScriptIds = `
SELECT COALESCE(array_agg(script_id ORDER BY script_id), '{}') AS ids FROM sites WHERE agency_id = $1`;

/** $1 sites (text[]). Out: first (timestamptz or null): the earliest stored event of those sites. */
export const firstEventOf = `SELECT min(server_timestamp) AS first FROM events WHERE site_id = ANY($1::text[])`;

/** $1 sites, $2..$6 subject. Out: events, first, last, sessions, clients (distinct session/client ids). */
export const countEvents = `
SELECT count(*)::bigint AS events, min(server_timestamp) AS first, max(server_timestamp) AS last,
       count(DISTINCT session_id)::bigint AS sessions, count(DISTINCT client_id)::bigint AS clients
FROM events WHERE site_id = ANY($1::text[]) AND ${eventMatch(2)}`;

/** $1 sites, $2 from, $3 to (exclusive), $4..$8 subject. Out: every column of the matching events, in time order. */
export const eventsInSlice = `
SELECT * FROM events
WHERE site_id = ANY($1::text[]) AND server_timestamp >= $2::timestamptz AND server_timestamp < $3::timestamptz
  AND ${eventMatch(4)}
ORDER BY server_timestamp, id`;

/**
 * $1 sites, $2 from, $3 to (exclusive), $4..$8 subject, $9 batch size, $10 erasure id, $11 dedupe TTL
 * (seconds). Deletes up to $9 matching events of the slice and, in the same statement, records what
 * the later phases need: their client_ids and session_ids, and (site_id:event_id) of events recent
 * enough to still have a dedupe marker in Redis. Out: n (events deleted).
 */
export const eraseEventsBatch = `
WITH victims AS (
  SELECT id, server_timestamp FROM events
  WHERE site_id = ANY($1::text[]) AND server_timestamp >= $2::timestamptz AND server_timestamp < $3::timestamptz
    AND ${eventMatch(4)}
  LIMIT $9
), del AS (
  DELETE FROM events e USING victims v
  WHERE e.id = v.id AND e.server_timestamp = v.server_timestamp
  RETURNING e.site_id, e.client_id, e.session_id, e.event_id, e.server_timestamp
), learned AS (
  INSERT INTO privacy_erasure_keys (erasure_id, kind, value)
  SELECT DISTINCT $10::uuid, k.kind, k.value
  FROM del, LATERAL (VALUES
    ('client_id', del.client_id::text),
    ('session_id', del.session_id::text),
    ('dedupe', CASE WHEN del.event_id IS NOT NULL AND del.server_timestamp > now() - make_interval(secs => $11)
                    THEN del.site_id || ':' || del.event_id END)) AS k(kind, value)
  WHERE k.value IS NOT NULL AND k.value <> ''
  ON CONFLICT DO NOTHING
)
SELECT count(*)::int AS n FROM del`;

/** $1 sites, $2..$6 subject. Out: the matching dead letters (id, site_id, stage, payload, error, ...). */
export const deadEventsOf = `
SELECT id, site_id, stage, payload, error, sqlstate, first_seen_at, last_seen_at, count, replayed_at
FROM dead_events WHERE site_id = ANY($1::text[]) AND ${deadMatch(2)}
ORDER BY first_seen_at, id`;

/** $1 sites, $2..$6 subject, $7 batch size. Out: rowCount deleted. */
export const eraseDeadEventsBatch = `
DELETE FROM dead_events WHERE id IN (
  SELECT id FROM dead_events WHERE site_id = ANY($1::text[]) AND ${deadMatch(2)} LIMIT $7)`;

/** $1 sites, $2 client_id|null, $3 session ids (text[]). Out: the person's session rows. */
export const sessionsOf = `
SELECT * FROM sessions
WHERE site_id = ANY($1::text[]) AND (client_id = $2::text OR session_id = ANY($3::text[]))
ORDER BY started_at, session_id`;

const erasedSessionIds = (erasure: string) =>
  `SELECT value FROM privacy_erasure_keys WHERE erasure_id = ${erasure}::uuid AND kind = 'session_id'`;

/**
 * $1 sites, $2 client_id|null, $3 erasure id, $4 batch size. Deletes session rows of the given
 * client_id or of a session the erasure deleted events of. Out: rowCount.
 */
export const eraseSessionsBatch = `
DELETE FROM sessions WHERE id IN (
  SELECT id FROM sessions
  WHERE site_id = ANY($1::text[]) AND (client_id = $2::text OR session_id IN (${erasedSessionIds('$3')}))
  LIMIT $4)`;

/** $1 sites (text[], sorted). Keeps the sites' writers out of their rollups for this transaction. */
export const lockRollupsOf = `
SELECT count(pg_advisory_xact_lock(${0x726f_6c6c}, hashtext(s))) FROM unnest($1::text[]) AS s`;

/** The rollup keys (hashtextextended, as the rollups compute them) of the erasure $n's ids. */
const oldKeys = (erasure: string) => `
  old_sessions AS MATERIALIZED (
    SELECT hashtextextended(value, 0) AS k FROM privacy_erasure_keys WHERE erasure_id = ${erasure}::uuid AND kind = 'session_id'
  ), old_visitors AS MATERIALIZED (
    SELECT hashtextextended(value, 0) AS k FROM privacy_erasure_keys WHERE erasure_id = ${erasure}::uuid AND kind = 'client_id'
  )`;
const isOld = `(session_key IN (SELECT k FROM old_sessions) OR visitor_key IN (SELECT k FROM old_visitors))`;
const rekeyed = (col: 'session_key' | 'visitor_key', set: string) =>
  `CASE WHEN ${col} IN (SELECT k FROM ${set}) THEN beacon_erasure_rekey($3::bytea, ${col}) ELSE ${col} END`;

const SESSION_ROLLUP_REST = [
  'dims_key',
  ...ROLLUP_DIMENSIONS,
  'page_views',
  'events',
  'engagement_time',
  'first_at',
  'last_at',
  'entry_path',
  'entry_at',
  'entry_id',
  'exit_path',
  'exit_at',
  'exit_id',
].join(', ');

/**
 * CTE `gone`: up to $4 rows of `table` (sites $1) that carry an old key of CTE oldKeys, deleted and
 * returned, to be inserted again under their new keys.
 */
const goneRows = (table: 'rollup_sessions' | 'rollup_names') => `gone AS (
  DELETE FROM ${table} WHERE ctid IN (
    SELECT ctid FROM ${table} WHERE site_id = ANY($1::text[]) AND ${isOld} LIMIT $4)
  RETURNING *
)`;

/**
 * $1 sites, $2 erasure id, $3 salt (bytea), $4 batch size. Moves up to $4 rollup_sessions rows that
 * carry the person's session or visitor key to their new anonymous keys (beacon_erasure_rekey),
 * merging with a row already moved (a writer may have added the old key again since). Counters are
 * untouched. Run after lockRollupsOf in the same transaction. Out: n (rows moved).
 */
export const rekeyRollupSessionsBatch = `
WITH ${oldKeys('$2')}, ${goneRows('rollup_sessions')}, moved AS (
  INSERT INTO rollup_sessions AS r (site_id, hour, session_key, visitor_key, ${SESSION_ROLLUP_REST})
  SELECT site_id, hour, ${rekeyed('session_key', 'old_sessions')}, ${rekeyed('visitor_key', 'old_visitors')},
         ${SESSION_ROLLUP_REST}
  FROM gone
  ORDER BY 1, 2, 3, 4, 5
  ${sessionsMerge}
  RETURNING 1
)
SELECT (SELECT count(*) FROM gone)::int AS n, (SELECT count(*) FROM moved)::int AS moved`;

/** As rekeyRollupSessionsBatch, for rollup_names (counts add on merge). Out: n. */
export const rekeyRollupNamesBatch = `
WITH ${oldKeys('$2')}, ${goneRows('rollup_names')}, moved AS (
  INSERT INTO rollup_names AS r (site_id, hour, kind, name_key, name, session_key, visitor_key, count)
  SELECT site_id, hour, kind, name_key, name, ${rekeyed('session_key', 'old_sessions')},
         ${rekeyed('visitor_key', 'old_visitors')}, count
  FROM gone
  ORDER BY 1, 2, 3, 4, 6, 7
  ON CONFLICT (site_id, hour, kind, name_key, session_key, visitor_key) DO UPDATE SET count = r.count + EXCLUDED.count
  RETURNING 1
)
SELECT (SELECT count(*) FROM gone)::int AS n, (SELECT count(*) FROM moved)::int AS moved`;

/** $1 erasure id, $2 after (text, '' to start), $3 limit. Out: value ('site_id:event_id'), in order. */
export const dedupeKeysOf = `
SELECT value FROM privacy_erasure_keys WHERE erasure_id = $1 AND kind = 'dedupe' AND value > $2 ORDER BY value LIMIT $3`;

/**
 * $1 sites, $2 from (settle start), $3..$7 subject, $8 erasure id. What is still there of the person
 * (rows stored while the erasure ran). Out: events, dead, sessions, rollups.
 */
export const remainingOf = `
WITH ${oldKeys('$8')}
SELECT
  (SELECT count(*) FROM events WHERE site_id = ANY($1::text[]) AND server_timestamp >= $2::timestamptz AND ${eventMatch(3)})::int AS events,
  (SELECT count(*) FROM dead_events WHERE site_id = ANY($1::text[]) AND ${deadMatch(3)})::int AS dead,
  (SELECT count(*) FROM sessions WHERE site_id = ANY($1::text[])
     AND (client_id = $3::text OR session_id IN (${erasedSessionIds('$8')})))::int AS sessions,
  ((SELECT count(*) FROM rollup_sessions WHERE site_id = ANY($1::text[]) AND ${isOld})
   + (SELECT count(*) FROM rollup_names WHERE site_id = ANY($1::text[]) AND ${isOld}))::int AS rollups`;

// ---------------------------------------------------------------------------------------------------
// Erasure requests.

const ERASURE_COLUMNS = `id, agency_id, state, phase, subject, subject_kinds, salt, "cursor", settle_from, passes,
  counts, requested_by, error, created_at, updated_at, finished_at`;

/**
 * $1 agency id, $2 subject (jsonb), $3 subject kinds (text[]), $4 requested_by, $5 settle margin
 * (seconds). A new pending request with a random salt. Out: the request.
 */
export const insertErasure = `
INSERT INTO privacy_erasures (agency_id, subject, subject_kinds, requested_by, salt, settle_from)
VALUES ($1, $2::jsonb, $3::text[], $4, decode(replace(gen_random_uuid()::text || gen_random_uuid()::text, '-', ''), 'hex'),
        now() - make_interval(secs => $5))
RETURNING ${ERASURE_COLUMNS}`;

/** $1 erasure id, $2 client_id: the given client_id is a key of the later phases from the start. */
export const insertGivenClientId = `
INSERT INTO privacy_erasure_keys (erasure_id, kind, value) VALUES ($1, 'client_id', $2) ON CONFLICT DO NOTHING`;

/** $1 erasure id. Out: the request (0 or 1 row). */
export const erasureById = `SELECT ${ERASURE_COLUMNS} FROM privacy_erasures WHERE id = $1`;

/** $1 agency id, $2 erasure id. Out: the request if it belongs to the agency. */
export const erasureOfAgency = `SELECT ${ERASURE_COLUMNS} FROM privacy_erasures WHERE agency_id = $1 AND id = $2`;

/** $1 agency id, $2 cursor created_at|null, $3 cursor id|null, $4 limit. Out: requests newest first. */
export const listErasures = `
SELECT ${ERASURE_COLUMNS}, created_at::text AS created_key FROM privacy_erasures
WHERE agency_id = $1 AND ($2::timestamptz IS NULL OR (created_at, id) < ($2::timestamptz, $3::uuid))
ORDER BY created_at DESC, id DESC
LIMIT $4`;

/** $1 agency id|null (all). Out: id of requests not finished (pending, running, failed), oldest first. */
export const openErasures = `
SELECT id FROM privacy_erasures
WHERE state IN ('pending', 'running', 'failed') AND ($1::uuid IS NULL OR agency_id = $1)
ORDER BY created_at`;

/** $1 erasure id. Out: locked (boolean): this session now holds the request's advisory lock. */
export const tryLockErasure = `SELECT pg_try_advisory_lock(${0x7269_6768}, hashtext($1::text)) AS locked`;
/** $1 erasure id. */
export const unlockErasure = `SELECT pg_advisory_unlock(${0x7269_6768}, hashtext($1::text))`;

/**
 * $1 erasure id, $2 phase, $3 cursor|null, $4 counts to add (jsonb of numbers), $5 passes to add.
 * Progress, committed with the batch it describes. Out: rowCount.
 */
export const saveProgress = `
UPDATE privacy_erasures SET
  state = 'running', phase = $2, "cursor" = $3::timestamptz, passes = passes + $5::int, updated_at = now(),
  counts = COALESCE((
    SELECT jsonb_object_agg(k, COALESCE((counts->>k)::bigint, 0) + COALESCE(($4::jsonb->>k)::bigint, 0))
    FROM (SELECT jsonb_object_keys(counts) UNION SELECT jsonb_object_keys($4::jsonb)) x(k)), '{}')
WHERE id = $1`;

/** $1 erasure id. Done: the identifiers, the salt and the learned keys are wiped. Out: the request. */
export const finishErasure = `
WITH wipe AS (DELETE FROM privacy_erasure_keys WHERE erasure_id = $1)
UPDATE privacy_erasures SET state = 'done', phase = 'done', subject = NULL, salt = NULL, "cursor" = NULL,
  updated_at = now(), finished_at = now(), error = NULL
WHERE id = $1
RETURNING ${ERASURE_COLUMNS}`;

/** $1 erasure id, $2 error text. Stays resumable (state failed keeps the subject). */
export const failErasure = `
UPDATE privacy_erasures SET state = 'failed', error = left($2, 2000), updated_at = now() WHERE id = $1`;

/** $1 cutoff. Finished requests older than the cutoff (they hold no identifiers). Out: rowCount. */
export const purgeFinishedErasures = `
DELETE FROM privacy_erasures WHERE state = 'done' AND finished_at < $1::timestamptz`;

/** $1 sites, $2..$6 subject. Out: n: session rows of the given client_id or of a matching event's session. */
export const countSessions = `
SELECT count(*)::bigint AS n FROM sessions
WHERE site_id = ANY($1::text[])
  AND (client_id = $2::text OR session_id IN (
        SELECT session_id FROM events WHERE site_id = ANY($1::text[]) AND session_id IS NOT NULL AND ${eventMatch(2)}))`;

/** $1 sites, $2..$6 subject. Out: n: matching dead letters. */
export const countDeadEvents = `
SELECT count(*)::bigint AS n FROM dead_events WHERE site_id = ANY($1::text[]) AND ${deadMatch(2)}`;

/** No parameters, no rows: the column names of each exported table (same columns as the export). */
export const eventColumns = `SELECT * FROM events LIMIT 0`;
export const sessionColumns = `SELECT * FROM sessions LIMIT 0`;
export const deadEventColumns = `SELECT id, site_id, stage, payload, error, sqlstate, first_seen_at, last_seen_at, count, replayed_at FROM dead_events LIMIT 0`;

// ---------------------------------------------------------------------------------------------------
// Aggregates past retention.

/**
 * $1 site ids (text[]), $2 cutoff. Out: site_id, month: UTC months wholly before the cutoff that hold
 * rollup rows and are not anonymized yet, oldest first. Index probes per site and month (the retention
 * job runs it daily: no scan of the old rows themselves).
 */
export const monthsToAnonymize = `
SELECT s.site_id, m.local AT TIME ZONE 'UTC' AS month
FROM unnest($1::text[]) AS s(site_id)
CROSS JOIN LATERAL (SELECT min(hour) AS first FROM rollup_sessions WHERE site_id = s.site_id) f
CROSS JOIN LATERAL generate_series(date_trunc('month', f.first AT TIME ZONE 'UTC'),
                                   date_trunc('month', $2::timestamptz AT TIME ZONE 'UTC') - interval '1 month',
                                   interval '1 month') AS m(local)
WHERE f.first IS NOT NULL
  AND NOT EXISTS (SELECT 1 FROM rollup_anonymized_months a WHERE a.site_id = s.site_id AND a.month = m.local AT TIME ZONE 'UTC')
  AND EXISTS (SELECT 1 FROM rollup_sessions r WHERE r.site_id = s.site_id
                AND r.hour >= m.local AT TIME ZONE 'UTC' AND r.hour < (m.local + interval '1 month') AT TIME ZONE 'UTC')
ORDER BY 2, 1`;

/**
 * Re-keys one rollup table's rows of site $1 and the UTC month starting at $2 with CTE `salt`'s salt:
 * rollup_sessions and rollup_names carry the same two keys and are re-keyed alike.
 */
const rekeyMonth = (table: 'rollup_sessions' | 'rollup_names') => `
  UPDATE ${table} r
  SET session_key = beacon_erasure_rekey(salt.s, r.session_key), visitor_key = beacon_erasure_rekey(salt.s, r.visitor_key)
  FROM salt
  WHERE r.site_id = $1 AND r.hour >= $2::timestamptz AND r.hour < (($2::timestamptz AT TIME ZONE 'UTC') + interval '1 month') AT TIME ZONE 'UTC'
  RETURNING 1
`;

/**
 * $1 site, $2 month start (UTC). In one statement: every rollup row of that site and month gets new
 * session and visitor keys, SHA-256 of a random salt made here and never stored (beacon_erasure_rekey),
 * and the month is marked. Distinct counts within the month stay exact; keys no longer match any
 * other month or any client_id. Run after lockSiteExclusive in the same transaction. Out: sessions,
 * names (rows re-keyed), done (false when the month was marked already).
 */
export const anonymizeRollupMonth = `
WITH salt AS MATERIALIZED (
  SELECT decode(replace(gen_random_uuid()::text || gen_random_uuid()::text, '-', ''), 'hex') AS s
  WHERE NOT EXISTS (SELECT 1 FROM rollup_anonymized_months WHERE site_id = $1 AND month = $2::timestamptz)
), s AS (${rekeyMonth('rollup_sessions')}), n AS (${rekeyMonth('rollup_names')}), mark AS (
  INSERT INTO rollup_anonymized_months (site_id, month, session_rows, name_rows)
  SELECT $1, $2::timestamptz, (SELECT count(*) FROM s), (SELECT count(*) FROM n) FROM salt
  RETURNING 1
)
SELECT (SELECT count(*) FROM s)::int AS sessions, (SELECT count(*) FROM n)::int AS names,
       EXISTS (SELECT 1 FROM mark) AS done`;
