-- Rollups: compact aggregates of `events`, kept indefinitely (retention never touches them), from which
-- the API answers dashboards without scanning raw events. Design, measurements and the timezone rule:
-- docs/rollups.md. Maintained by the writer in the transaction that inserts the events
-- (packages/db/src/sql/rollups.ts `applyRollups`), repaired by `beacon rollups rebuild`.
--
-- Grain: one UTC hour. Days, ISO weeks and months of any timezone whose offset is a whole number of
-- hours are unions of UTC hours, so the site's timezone is applied at query time and a site that
-- changes timezone needs no rebuild. (Zones with :30/:45 offsets fall back to raw events.)
--
-- Unique visitors and sessions stay EXACT over any range: rows keep the 64-bit hash of client_id and of
-- session_id (hashtextextended, the function PostgreSQL's hash partitioning relies on, stable across
-- versions and platforms), so a range's visitors are count(DISTINCT visitor_key) of its rows.
-- Bot rows (visitor_type = 'bot') are not rolled up: the API leaves them out unless a request filters
-- on visitor_type, and such requests are answered from events.

-- Per site, UTC hour, session, visitor and tuple of session-level dimensions: the counters of the
-- events of that group. Usually one or two rows per session (the landing event carries the referrer
-- and UTM tags, later events do not).
CREATE TABLE rollup_sessions (
  site_id          VARCHAR(50) NOT NULL,
  hour             TIMESTAMPTZ NOT NULL,  -- date_trunc('hour', server_timestamp, 'UTC')
  session_key      BIGINT      NOT NULL,  -- hashtextextended(session_id, 0); 0 = events without session_id
  visitor_key      BIGINT      NOT NULL,  -- hashtextextended(client_id, 0); 0 = events without client_id
  dims_key         BIGINT      NOT NULL,  -- hashtextextended(row(<the dimension columns>)::text, 0)
  country          TEXT,
  device_type      TEXT,
  browser          TEXT,
  os               TEXT,
  visitor_type     TEXT,
  referrer_domain  TEXT,
  referrer_class   TEXT,
  channel          TEXT,
  utm_source       TEXT,
  utm_medium       TEXT,
  utm_campaign     TEXT,
  company_name     TEXT,
  company_domain   TEXT,
  company_industry TEXT,
  page_views       INTEGER     NOT NULL,
  events           INTEGER     NOT NULL,
  engagement_time  BIGINT      NOT NULL,  -- sum of time_on_page (negative values as 0)
  first_at         TIMESTAMPTZ NOT NULL,  -- first / last server_timestamp of the group
  last_at          TIMESTAMPTZ NOT NULL,
  entry_path       TEXT,                  -- page_path of the group's first page view (by server_timestamp, id)
  entry_at         TIMESTAMPTZ,           -- NULL when the group has no page view
  entry_id         UUID,
  exit_path        TEXT,                  -- page_path of the group's last page view
  exit_at          TIMESTAMPTZ,
  exit_id          UUID,
  PRIMARY KEY (site_id, hour, session_key, visitor_key, dims_key)
);

-- Per site, UTC hour, page (kind 1: page views by page_path) or custom event (kind 2: other events by
-- event_name), session and visitor: how many.
CREATE TABLE rollup_names (
  site_id     VARCHAR(50) NOT NULL,
  hour        TIMESTAMPTZ NOT NULL,
  kind        SMALLINT    NOT NULL CHECK (kind IN (1, 2)),
  name_key    BIGINT      NOT NULL,  -- hashtextextended(row(name)::text, 0) (NULL and '' differ)
  name        TEXT,
  session_key BIGINT      NOT NULL,
  visitor_key BIGINT      NOT NULL,
  count       INTEGER     NOT NULL,
  PRIMARY KEY (site_id, hour, kind, name_key, session_key, visitor_key)
);

-- From which hour a site's rollups hold every stored event. No row: not known to be complete, the API
-- answers from events. Written by the writer the first time it rolls up a site (since = -infinity for
-- a site with no earlier events, else the next hour) and by `beacon rollups rebuild`.
CREATE TABLE rollup_coverage (
  site_id    VARCHAR(50) PRIMARY KEY,
  since      TIMESTAMPTZ NOT NULL,
  updated_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
