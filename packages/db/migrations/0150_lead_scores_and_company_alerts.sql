-- B2B activation (issue #16): lead scores per company and site, company alerts and their deliveries
-- (docs/lead-score.md, docs/company-alerts.md).

-- What an admin sets per site for the lead score: which pages show intent (page patterns as goals
-- use them: `*` one path segment, `**` any depth), which goals count as intent, and the fit rules
-- (industries, sizes, countries that make a good customer). Keyed by the site's script_id like goals.
CREATE TABLE lead_score_settings (
  site_id         VARCHAR(50) PRIMARY KEY REFERENCES sites(script_id) ON DELETE CASCADE,
  intent_pages    TEXT[] NOT NULL DEFAULT '{}',
  intent_regexes  TEXT[] NOT NULL DEFAULT '{}', -- intent_pages compiled (anchored), same order
  intent_goal_ids UUID[] NOT NULL DEFAULT '{}',
  fit_industries  TEXT[] NOT NULL DEFAULT '{}', -- lower case
  fit_sizes       TEXT[] NOT NULL DEFAULT '{}', -- employee_count values as companies hold them
  fit_countries   TEXT[] NOT NULL DEFAULT '{}', -- ISO 3166-1 alpha-2, upper case
  updated_at      TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE TRIGGER lead_score_settings_updated_at BEFORE UPDATE ON lead_score_settings
  FOR EACH ROW EXECUTE FUNCTION beacon_set_updated_at();

-- The current score of each company seen on a site, recomputed by the alert dispatcher from committed
-- events whenever the writer commits new visits of the company (company_activity_outbox).
CREATE TABLE company_scores (
  site_id     VARCHAR(50) NOT NULL,
  domain      VARCHAR(255) NOT NULL,
  score       SMALLINT NOT NULL CHECK (score BETWEEN 0 AND 100),
  engagement  SMALLINT NOT NULL,
  intent      SMALLINT NOT NULL,
  fit         SMALLINT NOT NULL,
  parts       JSONB NOT NULL, -- every input and sub-score (docs/lead-score.md)
  first_seen  TIMESTAMPTZ NOT NULL,
  last_seen   TIMESTAMPTZ NOT NULL,
  computed_at TIMESTAMPTZ NOT NULL DEFAULT now(),
  PRIMARY KEY (site_id, domain)
);
CREATE INDEX idx_company_scores_site_score ON company_scores (site_id, score DESC);

-- One row per company, site and UTC day: the day's last score (the company page's history).
CREATE TABLE company_score_history (
  site_id    VARCHAR(50) NOT NULL,
  domain     VARCHAR(255) NOT NULL,
  day        DATE NOT NULL,
  score      SMALLINT NOT NULL,
  engagement SMALLINT NOT NULL,
  intent     SMALLINT NOT NULL,
  fit        SMALLINT NOT NULL,
  PRIMARY KEY (site_id, domain, day)
);

-- Transactional outbox: written by the writer in the transaction that COPYs the events (only rows it
-- inserted, never bots), one row per site and company of a batch. The dispatcher claims rows (SKIP
-- LOCKED), recomputes scores, evaluates alert rules and deletes them in one transaction.
CREATE TABLE company_activity_outbox (
  id         BIGINT GENERATED ALWAYS AS IDENTITY,
  site_id    VARCHAR(50) NOT NULL,
  domain     VARCHAR(255) NOT NULL,
  events     INT NOT NULL,
  page_paths TEXT[] NOT NULL, -- distinct page_path of the page views (at most 50)
  first_at   TIMESTAMPTZ NOT NULL, -- server_timestamp range of the rows
  last_at    TIMESTAMPTZ NOT NULL,
  created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
  PRIMARY KEY (site_id, id)
);
CREATE INDEX idx_company_activity_outbox_id ON company_activity_outbox (id);

-- Where alerts go. kind webhook: JSON signed with `secret` (HMAC-SHA256, Stripe-style header); after
-- a rotation the previous secret also signs until previous_secret_until. slack: an incoming-webhook
-- URL. email: recipients, through SMTP_URL. consecutive_failures counts failed attempts since the last
-- success; past ALERT_ENDPOINT_DISABLE_AFTER the endpoint is disabled (disabled_reason says why).
CREATE TABLE alert_endpoints (
  id                    UUID PRIMARY KEY DEFAULT gen_random_uuid(),
  agency_id             UUID NOT NULL REFERENCES agencies(id) ON DELETE CASCADE,
  site_id               UUID NOT NULL REFERENCES sites(id) ON DELETE CASCADE,
  name                  VARCHAR(120) NOT NULL,
  kind                  VARCHAR(10) NOT NULL CHECK (kind IN ('webhook', 'slack', 'email')),
  url                   TEXT,
  recipients            TEXT[],
  secret                TEXT,
  previous_secret       TEXT,
  previous_secret_until TIMESTAMPTZ,
  enabled               BOOLEAN NOT NULL DEFAULT TRUE,
  disabled_reason       TEXT,
  consecutive_failures  INT NOT NULL DEFAULT 0,
  created_at            TIMESTAMPTZ NOT NULL DEFAULT now(),
  updated_at            TIMESTAMPTZ NOT NULL DEFAULT now(),
  CHECK ((kind = 'email') = (recipients IS NOT NULL AND url IS NULL)),
  CHECK ((kind = 'webhook') = (secret IS NOT NULL))
);
CREATE INDEX idx_alert_endpoints_site ON alert_endpoints (site_id);
CREATE TRIGGER alert_endpoints_updated_at BEFORE UPDATE ON alert_endpoints
  FOR EACH ROW EXECUTE FUNCTION beacon_set_updated_at();

-- Company alert rules per site; every condition set must hold (docs/company-alerts.md).
CREATE TABLE company_alert_rules (
  id             UUID PRIMARY KEY DEFAULT gen_random_uuid(),
  agency_id      UUID NOT NULL REFERENCES agencies(id) ON DELETE CASCADE,
  site_id        UUID NOT NULL REFERENCES sites(id) ON DELETE CASCADE,
  name           VARCHAR(120) NOT NULL,
  visitor        VARCHAR(10) NOT NULL DEFAULT 'any' CHECK (visitor IN ('new', 'returning', 'any')),
  intent_page    BOOLEAN NOT NULL DEFAULT FALSE,
  min_score      SMALLINT CHECK (min_score BETWEEN 0 AND 100),
  fit_industries TEXT[] NOT NULL DEFAULT '{}',
  fit_sizes      TEXT[] NOT NULL DEFAULT '{}',
  fit_countries  TEXT[] NOT NULL DEFAULT '{}',
  cooldown_h     INT NOT NULL DEFAULT 24 CHECK (cooldown_h BETWEEN 1 AND 720),
  endpoint_ids   UUID[] NOT NULL DEFAULT '{}',
  enabled        BOOLEAN NOT NULL DEFAULT TRUE,
  created_by     UUID REFERENCES dashboard_users(id) ON DELETE SET NULL,
  created_at     TIMESTAMPTZ NOT NULL DEFAULT now(),
  updated_at     TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX idx_company_alert_rules_site ON company_alert_rules (site_id);
CREATE TRIGGER company_alert_rules_updated_at BEFORE UPDATE ON company_alert_rules
  FOR EACH ROW EXECUTE FUNCTION beacon_set_updated_at();

-- An alert that fired. window_start is the start of the cooldown window holding the committed
-- activity's last event (a fixed grid of cooldown_h from the epoch, derived from stored rows, not the
-- clock): the unique key makes a rule fire at most once per company and window, whoever computes it.
CREATE TABLE company_alerts (
  id           UUID PRIMARY KEY DEFAULT gen_random_uuid(),
  rule_id      UUID NOT NULL REFERENCES company_alert_rules(id) ON DELETE CASCADE,
  site_id      UUID NOT NULL REFERENCES sites(id) ON DELETE CASCADE,
  domain       VARCHAR(255) NOT NULL,
  window_start TIMESTAMPTZ NOT NULL,
  payload      JSONB NOT NULL,
  created_at   TIMESTAMPTZ NOT NULL DEFAULT now(),
  UNIQUE (rule_id, domain, window_start)
);
CREATE INDEX idx_company_alerts_site ON company_alerts (site_id, created_at DESC);

-- One delivery per alert and endpoint (the BullMQ job `company-alerts` carries its id); the attempts
-- are the delivery log.
CREATE TABLE alert_deliveries (
  id           UUID PRIMARY KEY DEFAULT gen_random_uuid(),
  alert_id     UUID NOT NULL REFERENCES company_alerts(id) ON DELETE CASCADE,
  endpoint_id  UUID NOT NULL REFERENCES alert_endpoints(id) ON DELETE CASCADE,
  status       VARCHAR(10) NOT NULL DEFAULT 'pending'
               CHECK (status IN ('pending', 'sending', 'retrying', 'delivered', 'dead')),
  attempts     INT NOT NULL DEFAULT 0,
  generation   INT NOT NULL DEFAULT 0, -- bumped by a manual replay (part of the job id)
  delivered_at TIMESTAMPTZ,
  created_at   TIMESTAMPTZ NOT NULL DEFAULT now(),
  updated_at   TIMESTAMPTZ NOT NULL DEFAULT now(),
  UNIQUE (alert_id, endpoint_id)
);
CREATE INDEX idx_alert_deliveries_pending ON alert_deliveries (created_at) WHERE status = 'pending';
CREATE TRIGGER alert_deliveries_updated_at BEFORE UPDATE ON alert_deliveries
  FOR EACH ROW EXECUTE FUNCTION beacon_set_updated_at();

CREATE TABLE alert_delivery_attempts (
  id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  delivery_id UUID NOT NULL REFERENCES alert_deliveries(id) ON DELETE CASCADE,
  attempt     INT NOT NULL,
  status_code INT,
  error       TEXT,
  latency_ms  INT NOT NULL,
  at          TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX idx_alert_delivery_attempts_delivery ON alert_delivery_attempts (delivery_id, id);

-- The dispatcher reads one company's events of one site per score (and the company page does too).
CREATE INDEX idx_events_site_domain_time ON events (site_id, company_domain, server_timestamp)
  WHERE company_domain IS NOT NULL;
