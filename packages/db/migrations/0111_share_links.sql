-- Shared dashboards (issue 15): read-only links to one site's dashboard. Only the SHA-256 of a link's
-- token is kept (the full link is shown once, when it is made). A link may carry a bcrypt password, an
-- expiry, fixed filters (a page scope: they override what the viewer asks), allow CSV exports, and
-- allow being framed by the listed origins (Content-Security-Policy frame-ancestors). Revoking sets
-- revoked_at; the API checks it on every request made with the link.
CREATE TABLE share_links (
  id              UUID PRIMARY KEY DEFAULT gen_random_uuid(),
  agency_id       UUID NOT NULL REFERENCES agencies(id) ON DELETE CASCADE,
  site_id         UUID NOT NULL REFERENCES sites(id) ON DELETE CASCADE,
  token_hash      CHAR(64) NOT NULL UNIQUE,
  label           VARCHAR(200) NOT NULL,
  password_hash   VARCHAR(255),
  expires_at      TIMESTAMPTZ,
  filters         JSONB NOT NULL DEFAULT '{}',
  allow_csv       BOOLEAN NOT NULL DEFAULT FALSE,
  frame_ancestors TEXT[] NOT NULL DEFAULT '{}',
  created_by      UUID REFERENCES dashboard_users(id) ON DELETE SET NULL,
  created_at      TIMESTAMPTZ NOT NULL DEFAULT now(),
  updated_at      TIMESTAMPTZ NOT NULL DEFAULT now(),
  revoked_at      TIMESTAMPTZ
);
CREATE INDEX idx_share_links_site ON share_links(site_id, created_at);
CREATE TRIGGER share_links_updated_at BEFORE UPDATE ON share_links FOR EACH ROW EXECUTE FUNCTION beacon_set_updated_at();
