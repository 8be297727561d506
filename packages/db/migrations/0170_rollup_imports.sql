-- Days of a site whose per-day aggregates (rollup_days) came from another tool's export rather than
-- from Beacon's own events (`beacon import plausible`, docs/compatible-intake.md "Plausible").
--
-- Plausible exports daily aggregates only, so an imported day exists only in rollup_days (marked
-- compacted: no hourly rows behind it). This table says which days those are, where from, and a
-- fingerprint of what was imported, so that:
--   * an import refuses (or skips) days that hold Beacon's own data: raw events and imports never
--     count the same day twice;
--   * a second run of the same export finds every day with the same fingerprint and changes nothing;
--     a corrected export replaces the days whose figures changed.
CREATE TABLE rollup_imports (
  site_id     VARCHAR(50) NOT NULL,
  starts_at   TIMESTAMPTZ NOT NULL,  -- the local day's first instant (rollup_days.starts_at)
  ends_at     TIMESTAMPTZ NOT NULL,
  day         DATE        NOT NULL,
  tz          TEXT        NOT NULL,
  source      TEXT        NOT NULL,  -- 'plausible'
  fingerprint TEXT        NOT NULL,  -- md5 of the day's imported rows (dimension, value, counters)
  imported_at TIMESTAMPTZ NOT NULL DEFAULT now(),
  PRIMARY KEY (site_id, starts_at)
);
