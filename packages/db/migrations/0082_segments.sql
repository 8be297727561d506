-- Segments (docs/conversions.md): named filter sets saved per site and shared with every user of the
-- agency that can see the site. `filters` holds the stats filters as the API takes them: an object of
-- filter key -> list of values (OR within a key), plus optional `goal` -> list of goal ids (visitors who
-- converted on each). A request naming a segment ANDs these with its own filters.
CREATE TABLE segments (
  id         UUID PRIMARY KEY DEFAULT gen_random_uuid(),
  site_id    VARCHAR(50) NOT NULL REFERENCES sites(script_id) ON DELETE CASCADE,
  name       VARCHAR(120) NOT NULL,
  filters    JSONB NOT NULL DEFAULT '{}',
  created_by UUID REFERENCES dashboard_users(id) ON DELETE SET NULL,
  created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
  updated_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX segments_site_name ON segments (site_id, lower(name));
CREATE TRIGGER segments_updated_at BEFORE UPDATE ON segments FOR EACH ROW EXECUTE FUNCTION beacon_set_updated_at();
