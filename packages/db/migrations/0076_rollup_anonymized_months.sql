-- Rollup months past retention whose per-person keys were replaced (docs/privacy-rights.md,
-- "Aggregates past retention"). One row per site and UTC month, written in the transaction that
-- re-keyed the month's rollup rows with a random salt that is never stored: afterwards no client_id or
-- session_id can be hashed to find a row of that month.
CREATE TABLE rollup_anonymized_months (
  site_id         VARCHAR(50) NOT NULL,
  month           TIMESTAMPTZ NOT NULL,  -- first instant of the UTC month
  anonymized_at   TIMESTAMPTZ NOT NULL DEFAULT now(),
  session_rows    INTEGER     NOT NULL,
  name_rows       INTEGER     NOT NULL,
  PRIMARY KEY (site_id, month)
);
