-- Anonymous per-day aggregates (docs/rollups.md, "Per-day aggregates and compaction"; issue 17).
--
-- rollup_sessions / rollup_names keep a 64-bit hash of client_id and session_id per hour. Past the
-- retention window (and at once for an erased person) those hours are folded into rollup_days and
-- deleted (packages/db/src/rollup-days.ts `compactHours`), so what is kept forever holds no per-person key.
-- Recent complete days are frozen into rollup_days too (`freezeDays`) so that long dashboard ranges
-- add up days instead of stitching sessions.
--
-- Period: one LOCAL day of the site's timezone at freeze time ([starts_at, ends_at), `tz` records the
-- zone; 23 or 25 hours on DST days). Requests in another zone, or not on local midnights, do not use it.
-- Distinct visitors and sessions are EXACT per period (count(DISTINCT) of the hourly keys, frozen);
-- across periods they come from HyperLogLog sketches (extension `hll`, columns added below only where
-- the extension can be created; error bound in docs/rollups.md).

DO $$
BEGIN
  IF EXISTS (SELECT 1 FROM pg_available_extensions WHERE name = 'hll') THEN
    BEGIN
      CREATE EXTENSION IF NOT EXISTS hll;
    EXCEPTION WHEN insufficient_privilege THEN
      RAISE NOTICE 'hll: not allowed to create the extension; rollup_days without sketches (docs/rollups.md)';
    END;
  ELSE
    RAISE NOTICE 'hll: extension not installed (Debian: postgresql-15-hll); rollup_days without sketches (docs/rollups.md)';
  END IF;
END $$;

-- One row per site, local day and (dimension, value): dim 'total' (value NULL) for the whole day,
-- 'page' (page views by page_path), 'event' (custom events by event_name), or a session-level column
-- of rollup_sessions ('country', 'device_type', ..., 'company_industry') for breakdowns.
CREATE TABLE rollup_days (
  site_id      VARCHAR(50) NOT NULL,
  starts_at    TIMESTAMPTZ NOT NULL,  -- local midnight of `day` in `tz`
  ends_at      TIMESTAMPTZ NOT NULL,  -- next local midnight
  day          DATE        NOT NULL,
  tz           TEXT        NOT NULL,
  dim          TEXT        NOT NULL,
  value_key    BIGINT      NOT NULL,  -- hashtextextended(row(value)::text, 0): a hash of the VALUE (NULL and '' differ)
  value        TEXT,
  visitors     INTEGER     NOT NULL,  -- exact distinct visitors of the day (with this value)
  sessions     INTEGER     NOT NULL,  -- exact distinct sessions
  page_views   BIGINT      NOT NULL,
  events       BIGINT      NOT NULL,
  bounced      INTEGER     NOT NULL,  -- 'total' rows: sessions of the day with one page view
  viewing      INTEGER     NOT NULL,  -- 'total' rows: sessions of the day with >= 1 page view
  duration_sum NUMERIC     NOT NULL,  -- 'total' rows: sum over the day's sessions of (last - first) seconds
  -- false when later events were added to a day after it was compacted: its distinct counts are then
  -- the frozen ones plus those of the late events (an upper bound), the sketches stay a union.
  exact        BOOLEAN     NOT NULL DEFAULT true,
  -- true once the day's hourly per-session rows were folded in and deleted (no per-person key left).
  compacted    BOOLEAN     NOT NULL DEFAULT false,
  frozen_at    TIMESTAMPTZ NOT NULL DEFAULT now(),
  PRIMARY KEY (site_id, starts_at, dim, value_key)
);
CREATE INDEX rollup_days_dim ON rollup_days (site_id, dim, starts_at);

DO $$
BEGIN
  IF EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'hll') THEN
    -- Sketches of hll_hash_bigint(visitor_key) / (session_key): unions over days estimate a range's
    -- distinct counts; the keys themselves are not recoverable from a sketch.
    ALTER TABLE rollup_days ADD COLUMN visitors_hll hll, ADD COLUMN sessions_hll hll;
  END IF;
END $$;
