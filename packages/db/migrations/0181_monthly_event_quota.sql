-- Monthly event quota per site (issue 15, usage per client). Past it the collector keeps accepting
-- (nothing is lost); the API warns the agency's admins by email at 80% and 100% of the calendar month
-- (UTC) and the dashboard shows it. NULL: no quota.
ALTER TABLE sites ADD COLUMN monthly_event_quota BIGINT CHECK (monthly_event_quota > 0);

-- The sent-log of quota warnings: one row per site, month and threshold. A replica claims a warning by
-- inserting its row (the primary key makes the others' inserts no-ops) before mailing, so however many
-- API replicas check, each warning goes once.
CREATE TABLE quota_warnings (
  site_id    UUID     NOT NULL REFERENCES sites(id) ON DELETE CASCADE,
  month      DATE     NOT NULL CHECK (month = date_trunc('month', month)::date),
  threshold  SMALLINT NOT NULL CHECK (threshold IN (80, 100)),
  agency_id  UUID     NOT NULL REFERENCES agencies(id) ON DELETE CASCADE,
  events     BIGINT   NOT NULL,
  quota      BIGINT   NOT NULL,
  recipients INT      NOT NULL DEFAULT 0,
  created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
  PRIMARY KEY (site_id, month, threshold)
);
