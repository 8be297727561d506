-- Scheduled email reports (issue 15). A schedule sends a site's weekly or monthly report to its
-- recipients, in the site's timezone. report_deliveries is the sent-log AND the work queue: one row per
-- (schedule, period, recipient), unique, so however many API replicas run the scheduler a report goes
-- at most once per period and recipient; a replica claims a row (FOR UPDATE SKIP LOCKED) before
-- sending and retries failures with backoff. Unsubscribing (a signed link, no login) adds a row to
-- report_unsubscribes, which the scheduler honours from the next period on.
CREATE TABLE report_schedules (
  id         UUID PRIMARY KEY DEFAULT gen_random_uuid(),
  agency_id  UUID NOT NULL REFERENCES agencies(id) ON DELETE CASCADE,
  site_id    UUID NOT NULL REFERENCES sites(id) ON DELETE CASCADE,
  frequency  VARCHAR(10) NOT NULL CHECK (frequency IN ('weekly', 'monthly')),
  recipients TEXT[] NOT NULL,
  enabled    BOOLEAN NOT NULL DEFAULT TRUE,
  created_by UUID REFERENCES dashboard_users(id) ON DELETE SET NULL,
  created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
  updated_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX idx_report_schedules_site ON report_schedules(site_id);
CREATE TRIGGER report_schedules_updated_at BEFORE UPDATE ON report_schedules FOR EACH ROW EXECUTE FUNCTION beacon_set_updated_at();

CREATE TABLE report_unsubscribes (
  schedule_id UUID NOT NULL REFERENCES report_schedules(id) ON DELETE CASCADE,
  email       TEXT NOT NULL,
  created_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
  PRIMARY KEY (schedule_id, email)
);

CREATE TABLE report_deliveries (
  id              UUID PRIMARY KEY DEFAULT gen_random_uuid(),
  schedule_id     UUID NOT NULL REFERENCES report_schedules(id) ON DELETE CASCADE,
  agency_id       UUID NOT NULL REFERENCES agencies(id) ON DELETE CASCADE,
  site_id         UUID NOT NULL REFERENCES sites(id) ON DELETE CASCADE,
  period_start    DATE NOT NULL,
  period_end      DATE NOT NULL,
  recipient       TEXT NOT NULL,
  status          VARCHAR(10) NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'sending', 'sent', 'failed')),
  attempts        INT NOT NULL DEFAULT 0,
  last_error      TEXT,
  next_attempt_at TIMESTAMPTZ NOT NULL DEFAULT now(),
  sent_at         TIMESTAMPTZ,
  message_id      TEXT,
  created_at      TIMESTAMPTZ NOT NULL DEFAULT now(),
  updated_at      TIMESTAMPTZ NOT NULL DEFAULT now(),
  UNIQUE (schedule_id, period_start, recipient)
);
CREATE INDEX idx_report_deliveries_due ON report_deliveries(next_attempt_at) WHERE status = 'pending';
CREATE INDEX idx_report_deliveries_site ON report_deliveries(site_id, created_at DESC);
