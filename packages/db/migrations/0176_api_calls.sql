-- Issue 15 (usage per client): authenticated API requests per agency and calendar month (UTC), for
-- billing. The API counts in memory and adds its counts every few seconds in one upsert (never a write
-- per request). via: how the caller authenticated (user | api_key | share), as AuthContext.via.
CREATE TABLE api_calls (
  agency_id   UUID        NOT NULL REFERENCES agencies(id) ON DELETE CASCADE,
  month       DATE        NOT NULL CHECK (month = date_trunc('month', month)::date),
  via         VARCHAR(20) NOT NULL CHECK (via IN ('user', 'api_key', 'share')),
  count       BIGINT      NOT NULL DEFAULT 0,
  updated_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
  PRIMARY KEY (agency_id, month, via)
);
