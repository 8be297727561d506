-- Goals: what counts as a conversion on a site (docs/conversions.md). A goal is only a definition:
-- conversions are computed at query time from events and rollups, so a goal applies to past data the
-- moment it exists, and changing or deleting one changes no stored event.
--
-- kind      page            a page view whose page_path matches page_pattern (`*` one path segment,
--                           `**` any depth; the API compiles it to page_regex, anchored)
--           event           a custom event named event_name
--           form_submit, file_download, outbound_link, lead, purchase
--                           the events the tracker's extras send (form_submit, file_download,
--                           outbound_click, generate_lead, purchase): event_name holds that name
-- property_key/value        optional: the event's properties->>key must equal value
-- value_mode                none | fixed (value_amount per conversion) | event (the number at
--                           value_key in the event's properties, else ecommerce_data, else lead_data)
-- Keyed by the site's script_id like sessions (the stats queries know the site by it); deleting the
-- site deletes its goals.
CREATE TABLE goals (
  id             UUID PRIMARY KEY DEFAULT gen_random_uuid(),
  site_id        VARCHAR(50) NOT NULL REFERENCES sites(script_id) ON DELETE CASCADE,
  name           VARCHAR(120) NOT NULL,
  kind           VARCHAR(20) NOT NULL CHECK (kind IN ('page', 'event', 'form_submit', 'file_download',
                                                      'outbound_link', 'lead', 'purchase')),
  page_pattern   TEXT,
  page_regex     TEXT,
  event_name     VARCHAR(100),
  property_key   VARCHAR(100),
  property_value VARCHAR(500),
  value_mode     VARCHAR(10) NOT NULL DEFAULT 'none' CHECK (value_mode IN ('none', 'fixed', 'event')),
  value_amount   NUMERIC(14, 2),
  value_key      VARCHAR(100),
  created_by     UUID REFERENCES dashboard_users(id) ON DELETE SET NULL,
  created_at     TIMESTAMPTZ NOT NULL DEFAULT now(),
  updated_at     TIMESTAMPTZ NOT NULL DEFAULT now(),
  CHECK ((kind = 'page') = (page_pattern IS NOT NULL AND page_regex IS NOT NULL)),
  CHECK ((kind = 'page') = (event_name IS NULL)),
  CHECK ((property_key IS NULL) = (property_value IS NULL)),
  CHECK ((value_mode = 'fixed') = (value_amount IS NOT NULL)),
  CHECK ((value_mode = 'event') = (value_key IS NOT NULL))
);
CREATE UNIQUE INDEX goals_site_name ON goals (site_id, lower(name));
CREATE TRIGGER goals_updated_at BEFORE UPDATE ON goals FOR EACH ROW EXECUTE FUNCTION beacon_set_updated_at();
