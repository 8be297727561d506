-- Client logins (issue 15): per-site access for users and viewers, and one-time account links.
--
-- dashboard_users.site_access: 'all' (every site of the agency; what every existing login had) or
-- 'selected' (only the sites granted in user_site_access). Admins always see every site whatever this
-- says. The API's one site scope (services/api/src/auth/site-scope.ts) applies it to every site route,
-- list, export and share link.
ALTER TABLE dashboard_users
  ADD COLUMN site_access VARCHAR(10) NOT NULL DEFAULT 'all' CHECK (site_access IN ('all', 'selected'));

CREATE TABLE user_site_access (
  user_id    UUID NOT NULL REFERENCES dashboard_users(id) ON DELETE CASCADE,
  site_id    UUID NOT NULL REFERENCES sites(id) ON DELETE CASCADE,
  granted_by UUID REFERENCES dashboard_users(id) ON DELETE SET NULL,
  created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
  PRIMARY KEY (user_id, site_id)
);
CREATE INDEX idx_user_site_access_site ON user_site_access(site_id);

-- Invitation and password-reset links: only the SHA-256 of the token is kept; a token is used at most
-- once (used_at set by the statement that accepts it) and expires. Asking for a new link voids the
-- earlier unused ones of the same purpose.
CREATE TABLE account_tokens (
  id         UUID PRIMARY KEY DEFAULT gen_random_uuid(),
  user_id    UUID NOT NULL REFERENCES dashboard_users(id) ON DELETE CASCADE,
  purpose    VARCHAR(10) NOT NULL CHECK (purpose IN ('invite', 'reset')),
  token_hash CHAR(64) NOT NULL UNIQUE,
  expires_at TIMESTAMPTZ NOT NULL,
  used_at    TIMESTAMPTZ,
  created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX idx_account_tokens_user ON account_tokens(user_id, purpose) WHERE used_at IS NULL;
