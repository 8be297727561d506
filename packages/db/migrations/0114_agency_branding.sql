-- White-label per agency (issue 15): the name, colour and logo that share links and emails show
-- instead of Beacon's. The logo is stored here (PNG, JPEG or WebP, checked by the API by its bytes and
-- size; SVG is refused: it can carry scripts). hide_powered_by removes "Powered by Beacon"; data credits
-- that licences require (DB-IP) stay whatever it says.
CREATE TABLE agency_branding (
  agency_id       UUID PRIMARY KEY REFERENCES agencies(id) ON DELETE CASCADE,
  display_name    VARCHAR(100),
  primary_color   CHAR(7) CHECK (primary_color ~ '^#[0-9a-f]{6}$'),
  hide_powered_by BOOLEAN NOT NULL DEFAULT FALSE,
  logo            BYTEA,
  logo_type       VARCHAR(20) CHECK (logo_type IN ('image/png', 'image/jpeg', 'image/webp')),
  updated_at      TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE TRIGGER agency_branding_updated_at BEFORE UPDATE ON agency_branding FOR EACH ROW EXECUTE FUNCTION beacon_set_updated_at();
