/**
 * Rollup maintenance (tables: migrations/0050_rollups.sql; design: docs/rollups.md).
 *
 * Statements are built around a *source*: SQL text of a relation holding events rows (every column
 * named below). The writer passes the rows it has just inserted (in the inserting transaction, so a
 * retried job can never count twice: a re-delivered row is not inserted, hence not in the source);
 * `beacon rollups rebuild` passes a site's stored events of some hours, after deleting those hours.
 * Sources never hold request text: they are constants of the callers.
 *
 * Merge order: every INSERT sorts by the primary key, so two writers that touch the same rows lock them
 * in the same order and cannot deadlock (PostgreSQL takes the row locks in insertion order).
 */

import { countedEvent } from './event-kinds.js';

/** Key space of the per-site advisory locks (two-int form) that keep a rebuild apart from writers. */
export const ROLLUP_LOCK_SPACE = 0x726f_6c6c; // 'roll'

/** Columns of the session-level dimension tuple, in rollup_sessions order. */
export const ROLLUP_DIMENSIONS = [
  'country',
  'device_type',
  'browser',
  'os',
  'visitor_type',
  'referrer_domain',
  'referrer_class',
  'channel',
  'utm_source',
  'utm_medium',
  'utm_campaign',
  'company_name',
  'company_domain',
  'company_industry',
] as const;
export type RollupDimension = (typeof ROLLUP_DIMENSIONS)[number];

const dims = ROLLUP_DIMENSIONS.join(', ');
const dimsText = ROLLUP_DIMENSIONS.map((d) => `${d}::text`).join(', ');

/**
 * Shared advisory locks on the sites of `source` (sorted, so concurrent writers agree on the order;
 * shared locks never wait for each other). A rebuild takes the same key exclusively.
 * In: source. Out: nothing useful.
 */
export const lockSitesShared = (source: string) => `
SELECT count(pg_advisory_xact_lock_shared(${ROLLUP_LOCK_SPACE}, hashtext(site_id)))
FROM (SELECT DISTINCT site_id FROM (${source}) src ORDER BY site_id) s`;

/**
 * How a rollup_sessions row meets an existing one of the same key (alias r, the new row EXCLUDED):
 * counters add, first/last widen, entry/exit keep the earliest/latest page view. Shared by the
 * writer's merge and the erasure's re-keying (packages/db/src/sql/privacy.ts).
 */
export const sessionsMerge = `ON CONFLICT (site_id, hour, session_key, visitor_key, dims_key) DO UPDATE SET
    page_views      = r.page_views + EXCLUDED.page_views,
    events          = r.events + EXCLUDED.events,
    engagement_time = r.engagement_time + EXCLUDED.engagement_time,
    first_at        = LEAST(r.first_at, EXCLUDED.first_at),
    last_at         = GREATEST(r.last_at, EXCLUDED.last_at),
    entry_path = CASE WHEN EXCLUDED.entry_at IS NOT NULL AND (r.entry_at IS NULL OR (EXCLUDED.entry_at, EXCLUDED.entry_id) < (r.entry_at, r.entry_id))
                      THEN EXCLUDED.entry_path ELSE r.entry_path END,
    entry_id   = CASE WHEN EXCLUDED.entry_at IS NOT NULL AND (r.entry_at IS NULL OR (EXCLUDED.entry_at, EXCLUDED.entry_id) < (r.entry_at, r.entry_id))
                      THEN EXCLUDED.entry_id ELSE r.entry_id END,
    entry_at   = CASE WHEN EXCLUDED.entry_at IS NOT NULL AND (r.entry_at IS NULL OR (EXCLUDED.entry_at, EXCLUDED.entry_id) < (r.entry_at, r.entry_id))
                      THEN EXCLUDED.entry_at ELSE r.entry_at END,
    exit_path  = CASE WHEN EXCLUDED.exit_at IS NOT NULL AND (r.exit_at IS NULL OR (EXCLUDED.exit_at, EXCLUDED.exit_id) > (r.exit_at, r.exit_id))
                      THEN EXCLUDED.exit_path ELSE r.exit_path END,
    exit_id    = CASE WHEN EXCLUDED.exit_at IS NOT NULL AND (r.exit_at IS NULL OR (EXCLUDED.exit_at, EXCLUDED.exit_id) > (r.exit_at, r.exit_id))
                      THEN EXCLUDED.exit_id ELSE r.exit_id END,
    exit_at    = CASE WHEN EXCLUDED.exit_at IS NOT NULL AND (r.exit_at IS NULL OR (EXCLUDED.exit_at, EXCLUDED.exit_id) > (r.exit_at, r.exit_id))
                      THEN EXCLUDED.exit_at ELSE r.exit_at END`;

/**
 * In: source. Out: one row { sessions: rows upserted into rollup_sessions, names: rows upserted into
 * rollup_names }. Names seen for the first time go into the site's names dictionary (rollup_name_dict). Adds the source's non-bot events to the rollups (counters add up, first/last widen,
 * entry/exit keep the earliest/latest page view by (server_timestamp, id)).
 * With `coverage`, also records rollup_coverage for sites seen for the first time: '-infinity' when
 * the site had no stored event besides the source's, else the next UTC hour.
 */
export const applyRollups = (source: string, coverage: boolean) => `
WITH raw AS MATERIALIZED (
  SELECT * FROM (${source}) src
), ev AS MATERIALIZED (
  SELECT id, site_id, server_timestamp, event_name, page_path, time_on_page,
         date_trunc('hour', server_timestamp, 'UTC') AS hour,
         CASE WHEN session_id IS NULL THEN 0 ELSE hashtextextended(session_id, 0) END AS session_key,
         CASE WHEN client_id IS NULL THEN 0 ELSE hashtextextended(client_id, 0) END AS visitor_key,
         hashtextextended(row(${dimsText})::text, 0) AS dims_key,
         ${ROLLUP_DIMENSIONS.map((d) => `${d}::text AS ${d}`).join(', ')}
  FROM raw
  WHERE visitor_type IS DISTINCT FROM 'bot'
), s AS (
  INSERT INTO rollup_sessions AS r (site_id, hour, session_key, visitor_key, dims_key, ${dims},
    page_views, events, engagement_time, first_at, last_at,
    entry_path, entry_at, entry_id, exit_path, exit_at, exit_id)
  SELECT site_id, hour, session_key, visitor_key, dims_key, ${dims},
         count(*) FILTER (WHERE event_name = 'page_view'),
         count(*) FILTER (WHERE ${countedEvent('ev')}),
         COALESCE(sum(GREATEST(time_on_page, 0)), 0),
         min(server_timestamp), max(server_timestamp),
         (array_agg(page_path ORDER BY server_timestamp, id) FILTER (WHERE event_name = 'page_view'))[1],
         min(server_timestamp) FILTER (WHERE event_name = 'page_view'),
         (array_agg(id ORDER BY server_timestamp, id) FILTER (WHERE event_name = 'page_view'))[1],
         (array_agg(page_path ORDER BY server_timestamp DESC, id DESC) FILTER (WHERE event_name = 'page_view'))[1],
         max(server_timestamp) FILTER (WHERE event_name = 'page_view'),
         (array_agg(id ORDER BY server_timestamp DESC, id DESC) FILTER (WHERE event_name = 'page_view'))[1]
  FROM ev
  GROUP BY site_id, hour, session_key, visitor_key, dims_key, ${dims}
  ORDER BY site_id, hour, session_key, visitor_key, dims_key
  ${sessionsMerge}
  RETURNING 1
), nm AS MATERIALIZED (
  SELECT site_id, hour, kind, hashtextextended(row(name)::text, 0) AS name_key, name, session_key, visitor_key,
         count(*) AS n
  FROM (SELECT site_id, hour, session_key, visitor_key,
               CASE WHEN event_name = 'page_view' THEN 1 ELSE 2 END AS kind,
               CASE WHEN event_name = 'page_view' THEN page_path ELSE event_name::text END AS name
        FROM ev
        WHERE ${countedEvent('ev')}) x
  GROUP BY site_id, hour, kind, name, session_key, visitor_key
), n AS (
  INSERT INTO rollup_names AS r (site_id, hour, kind, name_key, name, session_key, visitor_key, count)
  SELECT site_id, hour, kind, name_key, name, session_key, visitor_key, n
  FROM nm
  ORDER BY site_id, hour, kind, name_key, session_key, visitor_key
  ON CONFLICT (site_id, hour, kind, name_key, session_key, visitor_key) DO UPDATE SET count = r.count + EXCLUDED.count
  RETURNING 1
), dict AS (
  INSERT INTO rollup_name_dict (site_id, kind, name_key, name)
  SELECT DISTINCT ON (site_id, kind, name_key) site_id, kind, name_key, name
  FROM nm
  ORDER BY site_id, kind, name_key
  ON CONFLICT (site_id, kind, name_key) DO NOTHING
)${
  coverage
    ? `, per_site AS (
  SELECT site_id, count(*) AS n FROM raw GROUP BY site_id
), cov AS (
  INSERT INTO rollup_coverage (site_id, since)
  SELECT p.site_id,
         CASE WHEN (SELECT count(*) FROM (SELECT 1 FROM events e WHERE e.site_id = p.site_id LIMIT p.n + 1) x) > p.n
              THEN date_trunc('hour', now(), 'UTC') + interval '1 hour' ELSE '-infinity' END
  FROM per_site p
  WHERE NOT EXISTS (SELECT 1 FROM rollup_coverage c WHERE c.site_id = p.site_id)
  ORDER BY p.site_id
  ON CONFLICT (site_id) DO NOTHING
)`
    : ''
}
SELECT (SELECT count(*) FROM s)::int AS sessions, (SELECT count(*) FROM n)::int AS names`;

/**
 * The writer's source: the rows its batch's INSERT actually stored, as RETURNING put them in
 * beacon_writer_inserted (services/writer/src/sql/batch.ts; that table holds every column used here).
 */
export const writerSource = `SELECT * FROM beacon_writer_inserted`;

/** $1 site ids (text[]). Rollups off: those sites are no longer known to be complete. Out: rowCount. */
export const forgetCoverage = `DELETE FROM rollup_coverage WHERE site_id = ANY($1::text[])`;

/**
 * Events of days already compacted into rollup_days (migration 0130) are not rolled up again: their
 * counts are in rollup_days, and hourly rows for them would count twice.
 */
const notCompacted = `NOT EXISTS (SELECT 1 FROM rollup_days d WHERE d.site_id = $1 AND d.dim = 'total' AND d.compacted
  AND server_timestamp >= d.starts_at AND server_timestamp < d.ends_at)`;

/** Source for a rebuild: $1 site, $2 from, $3 to (timestamptz, hour-aligned, to exclusive). */
export const rebuildSource = `
SELECT * FROM events WHERE site_id = $1 AND server_timestamp >= $2::timestamptz AND server_timestamp < $3::timestamptz
  AND ${notCompacted}`;

/** $1 site. Waits for every writer transaction holding the site's shared lock, then keeps others out. */
export const lockSiteExclusive = `SELECT pg_advisory_xact_lock(${ROLLUP_LOCK_SPACE}, hashtext($1))`;

/** $1 site, $2 from, $3 to (hour-aligned, to exclusive). Out: rowCount deleted. */
export const deleteSessionsRange = `
DELETE FROM rollup_sessions WHERE site_id = $1 AND hour >= $2::timestamptz AND hour < $3::timestamptz`;
/** $1 site, $2 from, $3 to. Out: rowCount deleted. */
export const deleteNamesRange = `
DELETE FROM rollup_names WHERE site_id = $1 AND hour >= $2::timestamptz AND hour < $3::timestamptz`;

/** $1 site, $2 instant. Out: one row when the site has rollup rows of hours before $2. */
export const rollupsBefore = `SELECT 1 FROM rollup_sessions WHERE site_id = $1 AND hour < $2::timestamptz LIMIT 1`;

/** $1 site. Out: first (timestamptz or null): the hour of the site's earliest stored event. */
export const firstEventHour = `
SELECT date_trunc('hour', min(server_timestamp), 'UTC') AS first FROM events WHERE site_id = $1`;

/**
 * $1 site, $2 from, $3 to: the hours [from, to) were just rebuilt, up to the present (the caller
 * checks; the writer covers what follows). Coverage widens to `from` when the rebuilt hours reach the
 * covered ones, or starts at `from` when the site had none. Out: rowCount.
 */
export const widenCoverage = `
INSERT INTO rollup_coverage AS c (site_id, since)
VALUES ($1, $2::timestamptz)
ON CONFLICT (site_id) DO UPDATE SET since = LEAST(c.since, EXCLUDED.since), updated_at = now()
  WHERE c.since <= $3::timestamptz`;

/** Same as widenCoverage when the rebuild ended in the past: only joins up with existing coverage. */
export const joinCoverage = `
UPDATE rollup_coverage SET since = $2::timestamptz, updated_at = now()
WHERE site_id = $1 AND since > $2::timestamptz AND since <= $3::timestamptz`;

/** $1 site. Out: since (timestamptz) or no row. */
export const coverageOf = `SELECT since FROM rollup_coverage WHERE site_id = $1`;

/** $1 site. Copies of the site's rollup rows, for `verifyRollups` (temp tables, dropped at commit). */
export const snapshotForVerify = `
CREATE TEMP TABLE beacon_verify_sessions ON COMMIT DROP AS SELECT * FROM rollup_sessions WHERE site_id = $1;
CREATE TEMP TABLE beacon_verify_names ON COMMIT DROP AS SELECT * FROM rollup_names WHERE site_id = $1;`;

/** Source for verification: every stored event of $1. */
export const siteSource = `SELECT * FROM events WHERE site_id = $1 AND ${notCompacted}`;

/**
 * $1 site. Out: one row { n }: the site's distinct rollup_names names (kind, name_key, name) missing
 * from its names dictionary (rollup_name_dict), before a recomputation adds them.
 */
export const namesMissingFromDict = `
SELECT count(*)::int AS n FROM (
  SELECT DISTINCT kind, name_key, name FROM rollup_names v WHERE v.site_id = $1 AND NOT EXISTS (
    SELECT 1 FROM rollup_name_dict d WHERE d.site_id = v.site_id AND d.kind = v.kind AND d.name_key = v.name_key
      AND d.name IS NOT DISTINCT FROM v.name)) x`;

/** $1 site. Out: one row { missing, extra }: rows of the recomputation absent from the snapshot and the reverse. */
export const compareWithSnapshot = `
SELECT
  (SELECT count(*) FROM (SELECT * FROM rollup_sessions WHERE site_id = $1 EXCEPT ALL SELECT * FROM beacon_verify_sessions) a)
  + (SELECT count(*) FROM (SELECT * FROM rollup_names WHERE site_id = $1 EXCEPT ALL SELECT * FROM beacon_verify_names) b) AS missing,
  (SELECT count(*) FROM (SELECT * FROM beacon_verify_sessions EXCEPT ALL SELECT * FROM rollup_sessions WHERE site_id = $1) c)
  + (SELECT count(*) FROM (SELECT * FROM beacon_verify_names EXCEPT ALL SELECT * FROM rollup_names WHERE site_id = $1) d) AS extra`;

/** $1 site (script_id). Out: known (boolean): a site row or stored events use that id. */
export const siteKnown = `
SELECT EXISTS (SELECT 1 FROM sites WHERE script_id = $1) OR EXISTS (SELECT 1 FROM events WHERE site_id = $1) AS known`;

/** No parameters. Out: script_id of every site, in order. */
export const allSites = `SELECT script_id FROM sites ORDER BY script_id`;
