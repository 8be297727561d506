-- Traffic alerts by email (issue 15): per site, an email when the last complete hour's page views are
-- far above (spike) or below (drop) the usual level, the mean of the same hour of the four weeks before.
-- last_alert_at holds the cooldown; the scheduler takes it with one conditional UPDATE, so with several
-- API replicas one alert goes per cooldown.
CREATE TABLE traffic_alerts (
  id              UUID PRIMARY KEY DEFAULT gen_random_uuid(),
  agency_id       UUID NOT NULL REFERENCES agencies(id) ON DELETE CASCADE,
  site_id         UUID NOT NULL REFERENCES sites(id) ON DELETE CASCADE,
  recipients      TEXT[] NOT NULL,
  spike_pct       INT NOT NULL DEFAULT 100 CHECK (spike_pct BETWEEN 10 AND 10000),
  drop_pct        INT NOT NULL DEFAULT 50 CHECK (drop_pct BETWEEN 10 AND 100),
  min_usual       INT NOT NULL DEFAULT 20 CHECK (min_usual >= 1),
  cooldown_h      INT NOT NULL DEFAULT 6 CHECK (cooldown_h BETWEEN 1 AND 720),
  enabled         BOOLEAN NOT NULL DEFAULT TRUE,
  last_alert_at   TIMESTAMPTZ,
  last_alert_kind VARCHAR(10),
  created_by      UUID REFERENCES dashboard_users(id) ON DELETE SET NULL,
  created_at      TIMESTAMPTZ NOT NULL DEFAULT now(),
  updated_at      TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX idx_traffic_alerts_site ON traffic_alerts(site_id);
CREATE TRIGGER traffic_alerts_updated_at BEFORE UPDATE ON traffic_alerts FOR EACH ROW EXECUTE FUNCTION beacon_set_updated_at();
