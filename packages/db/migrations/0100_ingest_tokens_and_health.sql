-- Issue 18: server-side events and ingestion health.

-- site_ingest_tokens: per-site secrets for POST /v1/events (and the compatible intakes that need a
-- secret: GA4 api_secret, Segment write key). Only a SHA-256 of the token is kept (the token is 32
-- random bytes, so a fast hash is enough); the clear token is shown once when it is created.
-- `token_prefix` (the first characters) lets a user tell tokens apart in lists.
CREATE TABLE site_ingest_tokens (
  id            UUID PRIMARY KEY DEFAULT gen_random_uuid(),
  site_id       UUID NOT NULL REFERENCES sites(id) ON DELETE CASCADE,
  name          VARCHAR(100) NOT NULL DEFAULT '',
  token_hash    CHAR(64) NOT NULL UNIQUE,
  token_prefix  VARCHAR(20) NOT NULL,
  created_by    UUID REFERENCES dashboard_users(id) ON DELETE SET NULL,
  created_at    TIMESTAMPTZ NOT NULL DEFAULT NOW(),
  last_used_at  TIMESTAMPTZ,
  revoked_at    TIMESTAMPTZ
);
CREATE INDEX idx_site_ingest_tokens_site ON site_ingest_tokens(site_id, created_at DESC);

-- ingestion_health: what happened to the hits of a site, per hour of receipt (the hour of the hit's
-- UUIDv7 id, so the collector, enricher and writer count the same hit in the same hour).
--   outcome  received | rejected | dropped | dead_lettered | stored
--   reason   '' for received/stored; the error code for rejected (origin_not_allowed, invalid_hit, ...);
--            bot:<rule>, duplicate, unknown_site, invalid for dropped; enricher/writer for dead_lettered.
-- Each service adds its counts in batched upserts (one statement for many sites and hours).
-- site_id holds sites.script_id like events.site_id (no foreign key: counts outlive a deleted site
-- until retention, and the writer must not take a lock on sites per batch).
CREATE TABLE ingestion_health (
  site_id     VARCHAR(50) NOT NULL,
  hour        TIMESTAMPTZ NOT NULL,
  outcome     VARCHAR(20) NOT NULL
              CHECK (outcome IN ('received', 'rejected', 'dropped', 'dead_lettered', 'stored')),
  reason      VARCHAR(100) NOT NULL DEFAULT '',
  count       BIGINT NOT NULL DEFAULT 0,
  updated_at  TIMESTAMPTZ NOT NULL DEFAULT NOW(),
  PRIMARY KEY (site_id, hour, outcome, reason)
);
CREATE INDEX idx_ingestion_health_hour ON ingestion_health(hour);
