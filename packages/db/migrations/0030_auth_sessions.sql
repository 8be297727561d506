-- Login sessions of dashboard users (services/api). A login creates one row; its refresh token is
-- stored only as a SHA-256 hash (the token is 32 random bytes, so a fast hash is enough) and rotates
-- on every refresh: the previous hash is kept so a replayed old token is recognised and revokes the
-- session (refresh-token reuse detection). Access tokens (short JWTs) carry the session id and are
-- checked against this table on every request, so logout and deactivation take effect at once.
CREATE TABLE auth_sessions (
  id                  UUID PRIMARY KEY DEFAULT gen_random_uuid(),
  user_id             UUID NOT NULL REFERENCES dashboard_users(id) ON DELETE CASCADE,
  refresh_hash        CHAR(64) NOT NULL,
  previous_hash       CHAR(64),
  created_at          TIMESTAMPTZ NOT NULL DEFAULT now(),
  refreshed_at        TIMESTAMPTZ,
  expires_at          TIMESTAMPTZ NOT NULL,
  -- A session never outlives 90 days from login, however often it is refreshed.
  absolute_expires_at TIMESTAMPTZ NOT NULL DEFAULT now() + INTERVAL '90 days',
  revoked_at          TIMESTAMPTZ,
  revoked_reason      VARCHAR(32),
  user_agent          VARCHAR(500),
  ip                  VARCHAR(45)
);
CREATE UNIQUE INDEX idx_auth_sessions_refresh_hash ON auth_sessions(refresh_hash);
CREATE INDEX idx_auth_sessions_previous_hash ON auth_sessions(previous_hash) WHERE previous_hash IS NOT NULL;
CREATE INDEX idx_auth_sessions_user_id ON auth_sessions(user_id) WHERE revoked_at IS NULL;
