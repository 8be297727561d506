-- Audit log of admin actions and persisted erasure requests (data subject rights). How they are used:
-- docs/privacy-rights.md; statements: packages/db/src/sql/audit.ts and packages/db/src/sql/privacy.ts.

-- One row per admin action of an agency: who (a dashboard user, the agency API key, or the operator's
-- CLI), when, from where (IP, user agent; NULL for the CLI), what (action, target) and details that never
-- hold the identifiers of a data subject (an erased person must not live on in the audit log).
-- Purged past AUDIT_LOG_RETENTION_DAYS by the retention job.
CREATE TABLE audit_log (
  id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  agency_id   UUID         NOT NULL REFERENCES agencies(id) ON DELETE CASCADE,
  at          TIMESTAMPTZ  NOT NULL DEFAULT now(),
  actor_type  VARCHAR(10)  NOT NULL CHECK (actor_type IN ('user', 'api_key', 'cli')),
  actor_id    UUID,          -- dashboard_users.id; no foreign key: the entry outlives the user
  actor_email VARCHAR(255),  -- the user's email at the time (what the reader recognises)
  action      VARCHAR(64)  NOT NULL,  -- e.g. user.create, site.update, api_key.rotate, privacy.erase
  target_type VARCHAR(32),
  target_id   VARCHAR(100),
  details     JSONB        NOT NULL DEFAULT '{}',
  ip          VARCHAR(45),
  user_agent  VARCHAR(500)
);
CREATE INDEX idx_audit_log_agency_at ON audit_log(agency_id, at DESC, id DESC);
CREATE INDEX idx_audit_log_at ON audit_log(at);

-- An erasure request: every row about one person (by the identifiers in `subject`) within an agency,
-- removed in bounded batches. `phase` and `cursor` are the progress, committed with each batch, so a
-- crashed run resumes where it stopped. `subject` and `salt` are wiped when the request is done.
CREATE TABLE privacy_erasures (
  id            UUID PRIMARY KEY DEFAULT gen_random_uuid(),
  agency_id     UUID        NOT NULL REFERENCES agencies(id) ON DELETE CASCADE,
  state         VARCHAR(10) NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'running', 'done', 'failed')),
  phase         VARCHAR(16) NOT NULL DEFAULT 'events',
  subject       JSONB,                 -- {client_id, user_id, email_hash, phone_hash, ip}; NULL once done
  subject_kinds TEXT[]      NOT NULL,  -- which identifiers were given (kept after done)
  salt          BYTEA,                 -- key of the rollup re-keying; NULL once done
  "cursor"      TIMESTAMPTZ,           -- events phase: start of the next time slice
  settle_from   TIMESTAMPTZ,           -- verify re-walks events from here (request time minus a margin)
  passes        INTEGER     NOT NULL DEFAULT 0,
  counts        JSONB       NOT NULL DEFAULT '{}',
  requested_by  VARCHAR(255),
  error         TEXT,
  created_at    TIMESTAMPTZ NOT NULL DEFAULT now(),
  updated_at    TIMESTAMPTZ NOT NULL DEFAULT now(),
  finished_at   TIMESTAMPTZ
);
CREATE INDEX idx_privacy_erasures_agency ON privacy_erasures(agency_id, created_at DESC);
CREATE INDEX idx_privacy_erasures_open ON privacy_erasures(created_at) WHERE state <> 'done';

-- What an erasure learned from the rows it deleted and still needs for the later phases: the person's
-- client_ids and session_ids (sessions, rollup keys) and recent (site_id:event_id) pairs (Redis dedupe
-- markers). Deleted with the request's completion.
CREATE TABLE privacy_erasure_keys (
  erasure_id UUID         NOT NULL REFERENCES privacy_erasures(id) ON DELETE CASCADE,
  kind       VARCHAR(10)  NOT NULL CHECK (kind IN ('client_id', 'session_id', 'dedupe')),
  value      VARCHAR(200) NOT NULL,
  PRIMARY KEY (erasure_id, kind, value)
);

-- The new rollup key of an erased person's session or visitor key: the first 8 bytes of
-- SHA-256(salt || key). The salt is random per erasure request and wiped when it is done, so the new
-- key cannot be linked back to a client_id or session_id; one salt per request maps every row of the
-- same old key to the same new key, so distinct counts over any range stay exactly what they were.
-- 0 (events without client_id or session_id) stays 0.
CREATE FUNCTION beacon_erasure_rekey(salt BYTEA, k BIGINT) RETURNS BIGINT
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
  SELECT CASE WHEN k = 0 THEN 0
              ELSE ('x' || encode(substring(sha256(salt || int8send(k)) FROM 1 FOR 8), 'hex'))::bit(64)::bigint END
$$;
