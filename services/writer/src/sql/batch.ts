import { EVENT_COLUMN_NAMES } from '@beacon/schema';

/**
 * The statements of one writer batch, run in this order inside one transaction (see ../store.ts):
 *
 *   COPY beacon_writer_staging FROM STDIN      rows of the batch (COPY text, ../copy-text.ts)
 *   insertEvents                               staging -> events, skipping rows already stored
 *   upsertSessions                             sessions from the rows actually inserted
 *   upsertCompanies                            companies by domain
 *   COMMIT
 *
 * The two temporary tables live per connection (created by `setupConnection`) and empty themselves at
 * commit, so a batch never sees another batch's rows.
 */

const cols = EVENT_COLUMN_NAMES.map((c) => `"${c}"`).join(', ');

/**
 * Per connection, before its first batch. Temp tables stay in the backend's local buffers (no WAL, no
 * shared buffer churn): temp_buffers must be set before the first temp table is touched.
 * staging: the columns and types of events (so PostgreSQL parses and checks every value during the
 * COPY, where a refused row is cheap to find), no indexes, no defaults.
 * inserted: what the session upsert (and later aggregates) need of the rows actually inserted.
 */
export const setupConnection = `
SET temp_buffers = '64MB';
CREATE TEMP TABLE IF NOT EXISTS beacon_writer_staging (LIKE events) ON COMMIT DELETE ROWS;
CREATE TEMP TABLE IF NOT EXISTS beacon_writer_inserted (
  id               UUID,
  site_id          VARCHAR(50),
  session_id       VARCHAR(100),
  client_id        VARCHAR(100),
  server_timestamp TIMESTAMPTZ,
  event_name       VARCHAR(100),
  page_url         TEXT,
  time_on_page     INTEGER,
  utm_source       VARCHAR(255),
  country          VARCHAR(2),
  device_type      VARCHAR(20),
  -- For the rollups (packages/db/src/sql/rollups.ts writerSource).
  page_path        TEXT,
  visitor_type     VARCHAR(20),
  browser          VARCHAR(50),
  os               VARCHAR(50),
  referrer_domain  VARCHAR(255),
  referrer_class   VARCHAR(20),
  channel          VARCHAR(30),
  utm_medium       VARCHAR(255),
  utm_campaign     VARCHAR(255),
  company_name     VARCHAR(255),
  company_domain   VARCHAR(255),
  company_industry VARCHAR(100)
) ON COMMIT DELETE ROWS;`;

/** COPY target. Input: COPY text lines in EVENT_COLUMNS order. */
export const copyStaging = `COPY beacon_writer_staging (${cols}) FROM STDIN`;

/**
 * No parameters. Out: rowCount = rows inserted. A re-delivered row meets its primary key and is
 * skipped (ON CONFLICT DO NOTHING), so nothing downstream of `beacon_writer_inserted` counts it twice.
 * Rows are inserted in id order (the batch is sorted before COPY) so two writers holding overlapping
 * rows (a job re-delivered while its first holder still runs) wait on each other in one order.
 */
export const insertEvents = `
WITH ins AS (
  INSERT INTO events (${cols})
  SELECT ${cols} FROM beacon_writer_staging
  ON CONFLICT (id, server_timestamp) DO NOTHING
  RETURNING id, site_id, session_id, client_id, server_timestamp, event_name, page_url, time_on_page,
            utm_source, country, device_type,
            page_path, visitor_type, browser, os, referrer_domain, referrer_class, channel, utm_medium,
            utm_campaign, company_name, company_domain, company_industry
)
INSERT INTO beacon_writer_inserted SELECT * FROM ins`;

/**
 * No parameters. Reads beacon_writer_inserted. Out: one row
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
 */
export const upsertSessions = `
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
  FROM beacon_writer_inserted
  WHERE session_id IS NOT NULL AND session_id <> ''
  GROUP BY session_id, site_id
),
known AS (
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
 * $1 domain text[], $2 name text[], $3 industry text[], $4 employee_count text[], $5 revenue text[],
 * $6 enrichment_data jsonb[] (one entry per distinct domain, sorted by domain). Out: rowCount changed.
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

/** Session-level advisory lock key of partition upkeep and retention (one writer at a time). */
export const UPKEEP_LOCK_KEY = 0x6265_6170; // 'beap'

/** $1 key. Out: locked boolean. */
export const tryUpkeepLock = 'SELECT pg_try_advisory_lock($1) AS locked';
/** $1 key. */
export const upkeepUnlock = 'SELECT pg_advisory_unlock($1)';
