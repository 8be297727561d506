import { EVENT_COLUMN_NAMES, type EventColumnName } from '@beacon/schema';

/**
 * The statements of one writer batch, run in this order inside one transaction (see ../store.ts):
 *
 *   storedAlready        only when the batch may hold stored rows: which rows events already has
 *   COPY events FROM STDIN   the other rows, straight into events (COPY text, ../copy-text.ts)
 *   upsertSessions       sessions from exactly the rows that COPY inserted
 *   upsertCompanies      companies by domain (agency-neutral facts)
 *   upsertAgencyCompanies  agency_companies by (agency, domain) (facts of an agency's own ranges)
 *   COMMIT
 *
 * Why not COPY into a staging table and INSERT ... SELECT ... ON CONFLICT DO NOTHING RETURNING: measured
 * on 5,000-row batches in one run (this machine), the staging COPY re-parses every row (+30%), ON
 * CONFLICT's speculative insertion adds a WAL record and a buffer lock per row (+30%) and RETURNING into a
 * second temp table +10%: the pattern took 1.9x the time of a direct COPY into events.
 *
 * Exactly once instead: events' primary key (id, server_timestamp) refuses a row stored before, so a
 * COPY holding one fails with unique_violation and rolls back whole. Rows already stored are only
 * possible in a batch with a re-delivered job (it stalled or failed before: BullMQ counts its attempts)
 * or in a retried batch (PostgreSQL may have committed before the connection died); such batches run
 * storedAlready first and COPY only the rest. Any other batch skips the check, and if a duplicate still
 * arrives (the same rows in two jobs, or two writers holding one re-delivered job) the unique_violation
 * makes the writer redo the batch with the check. Sessions are upserted from exactly the rows COPY
 * inserted, so nothing is counted twice.
 */

const cols = EVENT_COLUMN_NAMES.map((c) => `"${c}"`).join(', ');

/**
 * $1 id uuid[], $2 server_timestamp timestamptz[] (the batch, same order). Out: i (1-based position) of
 * every row events already holds. Run with seq scans disabled (SET LOCAL): one primary-key probe per row
 * and partition. The timestamp is compared as an expression so that no other index (e.g. one where it is
 * not the leading column) can be picked by a planner whose statistics of events are stale or empty (right
 * after a bulk load); such a plan reads a whole index per row.
 */
export const storedAlready = `
SELECT k.i::int AS i
FROM unnest($1::uuid[], $2::timestamptz[]) WITH ORDINALITY AS k(id, ts, i)
CROSS JOIN LATERAL (
  SELECT 1 FROM events e WHERE e.id = k.id AND e.server_timestamp + interval '0' = k.ts LIMIT 1
) hit`;

export const probeOnly = 'SET LOCAL enable_seqscan = off';
export const probeDone = 'SET LOCAL enable_seqscan = on';

/** COPY target. Input: COPY text lines in EVENT_COLUMNS order. */
export const copyEvents = `COPY events (${cols}) FROM STDIN`;

/**
 * The part both session statements share, after a CTE `agg` of one row per (session_id, site_id) with
 * started_at, ended_at, page_views, events_count, engagement_time, entry_page, exit_page, client_id,
 * utm_source, country, device_type: drop sites that do not exist, give a session_id claimed by two sites
 * in one batch to the earlier one, upsert in session_id order (lock order: no deadlock between writers),
 * never touch another site's session (`WHERE s.site_id = EXCLUDED.site_id`), and count what was left out.
 */
const MERGE_SESSIONS = `known AS (
  SELECT a.*, EXISTS (SELECT 1 FROM sites WHERE script_id = a.site_id) AS site_known FROM agg a
),
pick AS (
  SELECT DISTINCT ON (session_id) * FROM known WHERE site_known ORDER BY session_id, started_at, site_id
),
up AS (
  INSERT INTO sessions AS s (session_id, client_id, site_id, started_at, ended_at, page_views, events_count,
                             engagement_time, is_bounce, entry_page, exit_page, utm_source, country, device_type)
  SELECT session_id, client_id, site_id, started_at, ended_at, page_views, events_count,
         engagement_time, page_views <= 1, entry_page, exit_page, utm_source, country, device_type
  FROM pick
  ORDER BY session_id
  ON CONFLICT (session_id) DO UPDATE SET
    started_at      = LEAST(s.started_at, EXCLUDED.started_at),
    ended_at        = GREATEST(s.ended_at, EXCLUDED.ended_at),
    page_views      = s.page_views + EXCLUDED.page_views,
    events_count    = s.events_count + EXCLUDED.events_count,
    engagement_time = LEAST(s.engagement_time::bigint + EXCLUDED.engagement_time, 2147483647)::int,
    is_bounce       = (s.page_views + EXCLUDED.page_views) <= 1,
    entry_page      = CASE WHEN EXCLUDED.entry_page IS NOT NULL AND (s.entry_page IS NULL OR EXCLUDED.started_at < s.started_at)
                           THEN EXCLUDED.entry_page ELSE s.entry_page END,
    exit_page       = CASE WHEN EXCLUDED.exit_page IS NOT NULL AND (s.exit_page IS NULL OR EXCLUDED.ended_at >= s.ended_at)
                           THEN EXCLUDED.exit_page ELSE s.exit_page END,
    client_id       = CASE WHEN EXCLUDED.started_at < s.started_at THEN COALESCE(EXCLUDED.client_id, s.client_id) ELSE COALESCE(s.client_id, EXCLUDED.client_id) END,
    utm_source      = CASE WHEN EXCLUDED.started_at < s.started_at THEN COALESCE(EXCLUDED.utm_source, s.utm_source) ELSE COALESCE(s.utm_source, EXCLUDED.utm_source) END,
    country         = CASE WHEN EXCLUDED.started_at < s.started_at THEN COALESCE(EXCLUDED.country, s.country) ELSE COALESCE(s.country, EXCLUDED.country) END,
    device_type     = CASE WHEN EXCLUDED.started_at < s.started_at THEN COALESCE(EXCLUDED.device_type, s.device_type) ELSE COALESCE(s.device_type, EXCLUDED.device_type) END
  WHERE s.site_id = EXCLUDED.site_id
  RETURNING s.session_id, s.site_id
)
SELECT (SELECT count(DISTINCT session_id) FROM agg)::int AS sessions,
       (SELECT count(*) FROM up)::int AS upserted,
       COALESCE(sum(k.events_count) FILTER (WHERE k.site_known AND u.session_id IS NULL), 0)::int AS conflict_events,
       COALESCE(sum(k.events_count) FILTER (WHERE NOT k.site_known), 0)::int AS unknown_site_events
FROM known k
LEFT JOIN up u ON u.session_id = k.session_id AND u.site_id = k.site_id`;

/**
 * The session statements of the Citus profile (DATABASE_PROFILE=citus, docs/scaling.md): Citus wants
 * the distribution column in every unique constraint, so sessions are unique by (site_id, session_id)
 * there and the upsert names that target. A session_id reused by another site then gets its own row
 * (no conflict to count) unless both sites send it in one batch, where the earlier site still wins.
 */
export function citusSessionStatement(standard: string): string {
  const out = standard
    .replace('ON CONFLICT (session_id) DO UPDATE', 'ON CONFLICT (site_id, session_id) DO UPDATE')
    .replace('ORDER BY session_id\n  ON CONFLICT', 'ORDER BY site_id, session_id\n  ON CONFLICT');
  if (out === standard || !out.includes('ON CONFLICT (site_id, session_id)'))
    throw new Error('citusSessionStatement: the session upsert no longer has the expected shape');
  return out;
}

/**
 * $1 session_id text[], $2 site_id text[], $3 started_at timestamptz[], $4 ended_at timestamptz[],
 * $5 page_views int[], $6 events_count int[], $7 engagement_time int[], $8 entry_page text[],
 * $9 exit_page text[], $10 client_id text[], $11 utm_source text[], $12 country text[], $13 device_type
 * text[]: one entry per (session_id, site_id) of the rows the COPY of this transaction inserted,
 * aggregated by the writer (../sessions.ts) as upsertSessionsFromRows would. Out: as upsertSessionsFromRows.
 * Aggregating in the writer saves PostgreSQL parsing, sorting and grouping every row again (about half
 * of this statement's time, measured with EXPLAIN ANALYZE on 5,000-row batches).
 */
export const upsertSessions = `
WITH agg AS (
  SELECT * FROM unnest($1::text[], $2::text[], $3::timestamptz[], $4::timestamptz[], $5::int[], $6::int[], $7::int[],
                       $8::text[], $9::text[], $10::text[], $11::text[], $12::text[], $13::text[])
         AS a(session_id, site_id, started_at, ended_at, page_views, events_count, engagement_time, entry_page, exit_page,
              client_id, utm_source, country, device_type)
),
${MERGE_SESSIONS}`;

/**
 * $1 id uuid[], $2 site_id text[], $3 session_id text[], $4 client_id text[], $5 server_timestamp
 * timestamptz[], $6 event_name text[], $7 page_url text[], $8 time_on_page int[], $9 utm_source text[],
 * $10 country text[], $11 device_type text[]: the rows the COPY of this transaction inserted (those with a
 * session_id). Out: one row
 *   sessions         distinct session ids of the inserted rows
 *   upserted         session rows inserted or updated
 *   conflict_events  inserted events whose session_id belongs to another site (that session untouched)
 *   unknown_site_events  inserted events of a site_id that is not in sites (no session row possible)
 *
 * Per session of the batch: page_views and events_count add up, engagement_time sums time_on_page,
 * started_at/ended_at widen (server_timestamp), entry_page/exit_page are the first/last page_view URL,
 * client_id/utm_source/country/device_type come from the session's earliest event that has them,
 * is_bounce = at most one page view. Sessions are upserted in session_id order, so two writers lock
 * the rows they share in the same order and cannot deadlock. `WHERE s.site_id = EXCLUDED.site_id`
 * keeps a session of another site untouched (its events are stored all the same); when one batch
 * holds the same session_id for two sites, the site with the earlier event takes the session row.
 * The fallback of upsertSessions when a timestamp is not ISO 8601 (the writer cannot order it).
 */
export const upsertSessionsFromRows = `
WITH agg AS (
  SELECT session_id, site_id,
         min(server_timestamp) AS started_at,
         max(server_timestamp) AS ended_at,
         (count(*) FILTER (WHERE event_name = 'page_view'))::int AS page_views,
         count(*)::int AS events_count,
         LEAST(COALESCE(sum(GREATEST(time_on_page, 0)), 0), 2147483647)::int AS engagement_time,
         (array_agg(page_url ORDER BY server_timestamp, id) FILTER (WHERE event_name = 'page_view' AND page_url IS NOT NULL))[1] AS entry_page,
         (array_agg(page_url ORDER BY server_timestamp DESC, id DESC) FILTER (WHERE event_name = 'page_view' AND page_url IS NOT NULL))[1] AS exit_page,
         (array_agg(client_id ORDER BY server_timestamp, id) FILTER (WHERE client_id IS NOT NULL))[1] AS client_id,
         (array_agg(utm_source ORDER BY server_timestamp, id) FILTER (WHERE utm_source IS NOT NULL))[1] AS utm_source,
         (array_agg(country ORDER BY server_timestamp, id) FILTER (WHERE country IS NOT NULL))[1] AS country,
         (array_agg(device_type ORDER BY server_timestamp, id) FILTER (WHERE device_type IS NOT NULL))[1] AS device_type
  FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::timestamptz[], $6::text[], $7::text[], $8::int[],
              $9::text[], $10::text[], $11::text[])
       AS i(id, site_id, session_id, client_id, server_timestamp, event_name, page_url, time_on_page, utm_source, country, device_type)
  WHERE session_id IS NOT NULL AND session_id <> ''
  GROUP BY session_id, site_id
),
${MERGE_SESSIONS}`;

/**
 * $1 domain text[], $2 name text[], $3 industry text[], $4 employee_count text[], $5 revenue text[],
 * $6 enrichment_data jsonb[] (one entry per distinct domain, sorted by domain): agency-neutral facts
 * only (EnrichedJob.companies entries without agency_id). Out: rowCount changed.
 * Known values are never blanked by a later NULL; enrichment_data merges key by key. A row that would
 * not change is not rewritten (no dead tuple, no updated_at bump for every batch that sees the firm).
 */
export const upsertCompanies = `
INSERT INTO companies AS c (domain, name, industry, employee_count, revenue, enrichment_data)
SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::jsonb[])
ORDER BY 1
ON CONFLICT (domain) DO UPDATE SET
  name            = COALESCE(EXCLUDED.name, c.name),
  industry        = COALESCE(EXCLUDED.industry, c.industry),
  employee_count  = COALESCE(EXCLUDED.employee_count, c.employee_count),
  revenue         = COALESCE(EXCLUDED.revenue, c.revenue),
  enrichment_data = COALESCE(c.enrichment_data, '{}'::jsonb) || COALESCE(EXCLUDED.enrichment_data, '{}'::jsonb)
WHERE (c.name, c.industry, c.employee_count, c.revenue, c.enrichment_data) IS DISTINCT FROM
      (COALESCE(EXCLUDED.name, c.name), COALESCE(EXCLUDED.industry, c.industry),
       COALESCE(EXCLUDED.employee_count, c.employee_count), COALESCE(EXCLUDED.revenue, c.revenue),
       COALESCE(c.enrichment_data, '{}'::jsonb) || COALESCE(EXCLUDED.enrichment_data, '{}'::jsonb))`;

/**
 * $1 agency_id uuid[], $2 domain text[], $3 name text[], $4 industry text[], $5 employee_count text[],
 * $6 revenue text[] (one entry per distinct (agency, domain), sorted). Facts that an agency's own IP
 * ranges gave its hits (EnrichedJob.companies entries with agency_id): they go to that agency's row and
 * never to `companies` (migration 0060). They only fill gaps: the agency's import is the authority, a
 * hit enriched before the enricher reloaded a new file must not overwrite it. Agencies deleted meanwhile
 * are skipped (no foreign-key error that would split the batch). Out: rowCount changed.
 */
export const upsertAgencyCompanies = `
INSERT INTO agency_companies AS a (agency_id, domain, name, industry, employee_count, revenue, origin)
SELECT t.agency_id, t.domain, t.name, t.industry, t.employee_count, t.revenue, 'enrichment'
FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[])
  AS t(agency_id, domain, name, industry, employee_count, revenue)
WHERE EXISTS (SELECT 1 FROM agencies g WHERE g.id = t.agency_id)
ORDER BY 1, 2
ON CONFLICT (agency_id, domain) DO UPDATE SET
  name           = COALESCE(a.name, EXCLUDED.name),
  industry       = COALESCE(a.industry, EXCLUDED.industry),
  employee_count = COALESCE(a.employee_count, EXCLUDED.employee_count),
  revenue        = COALESCE(a.revenue, EXCLUDED.revenue)
WHERE (a.name, a.industry, a.employee_count, a.revenue) IS DISTINCT FROM
      (COALESCE(a.name, EXCLUDED.name), COALESCE(a.industry, EXCLUDED.industry),
       COALESCE(a.employee_count, EXCLUDED.employee_count), COALESCE(a.revenue, EXCLUDED.revenue))`;

/** Session-level advisory lock key of partition upkeep and retention (one writer at a time). */
export const UPKEEP_LOCK_KEY = 0x6265_6170; // 'beap'

/** $1 key. Out: locked boolean. */
export const tryUpkeepLock = 'SELECT pg_try_advisory_lock($1) AS locked';
/** $1 key. */
export const upkeepUnlock = 'SELECT pg_advisory_unlock($1)';

/** $1..$11 of upsertSessionsFromRows: one array per column, of the rows the COPY just accepted. */
export const SESSION_COLUMNS = [
  'id',
  'site_id',
  'session_id',
  'client_id',
  'server_timestamp',
  'event_name',
  'page_url',
  'time_on_page',
  'utm_source',
  'country',
  'device_type',
] as const satisfies readonly EventColumnName[];

/**
 * What the rollups read of the rows a batch inserted (packages/db/src/sql/rollups.ts, writerSource
 * `SELECT * FROM beacon_writer_inserted`), in the temp table's column order: the session columns first.
 */
export const INSERTED_COLUMNS: readonly EventColumnName[] = [
  ...SESSION_COLUMNS,
  'page_path',
  'visitor_type',
  'browser',
  'os',
  'referrer_domain',
  'referrer_class',
  'channel',
  'utm_medium',
  'utm_campaign',
  'company_name',
  'company_domain',
  'company_industry',
];

/** Once per connection: the temp table of inserted rows, emptied at every commit (no WAL, local buffers). */
export const createInserted = `
CREATE TEMP TABLE IF NOT EXISTS beacon_writer_inserted (
  id UUID, site_id VARCHAR(50), session_id VARCHAR(100), client_id VARCHAR(100), server_timestamp TIMESTAMPTZ,
  event_name VARCHAR(100), page_url TEXT, time_on_page INTEGER, utm_source VARCHAR(255), country VARCHAR(2),
  device_type VARCHAR(20), page_path TEXT, visitor_type VARCHAR(20), browser VARCHAR(50), os VARCHAR(50),
  referrer_domain VARCHAR(255), referrer_class VARCHAR(20), channel VARCHAR(30), utm_medium VARCHAR(255),
  utm_campaign VARCHAR(255), company_name VARCHAR(255), company_domain VARCHAR(255), company_industry VARCHAR(100)
) ON COMMIT DELETE ROWS`;

/** COPY target of the inserted rows: COPY text lines of INSERTED_COLUMNS, in that order. */
export const copyInserted = `COPY beacon_writer_inserted (${INSERTED_COLUMNS.join(', ')}) FROM STDIN`;

/** The session upserts of one schema profile (DATABASE_PROFILE). */
export function sessionStatements(profile: 'standard' | 'citus'): {
  upsertSessions: string;
  upsertSessionsFromRows: string;
} {
  return profile === 'citus'
    ? {
        upsertSessions: citusSessionStatement(upsertSessions),
        upsertSessionsFromRows: citusSessionStatement(upsertSessionsFromRows),
      }
    : { upsertSessions, upsertSessionsFromRows };
}
