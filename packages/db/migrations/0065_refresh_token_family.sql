-- Refresh tokens as a family (services/api). A login session is one family: its current refresh token
-- is auth_sessions.refresh_hash, and every token it has rotated away from is remembered here, so a
-- replay of ANY earlier member (not only the previous one) is recognised as a leak and revokes the
-- whole session: after two rotations by a thief, the owner's replay of the first token still ends the
-- thief's session. Rows go with their session (ON DELETE CASCADE; ended sessions are purged after 30
-- days). Replaces the single previous_hash column of 0030.
CREATE TABLE auth_refresh_history (
  refresh_hash CHAR(64) PRIMARY KEY,
  session_id   UUID NOT NULL REFERENCES auth_sessions(id) ON DELETE CASCADE,
  rotated_at   TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX idx_auth_refresh_history_session ON auth_refresh_history(session_id);

INSERT INTO auth_refresh_history (refresh_hash, session_id, rotated_at)
SELECT previous_hash, id, COALESCE(refreshed_at, created_at)
FROM auth_sessions
WHERE previous_hash IS NOT NULL
ON CONFLICT (refresh_hash) DO NOTHING;

DROP INDEX IF EXISTS idx_auth_sessions_previous_hash;
ALTER TABLE auth_sessions DROP COLUMN previous_hash;
