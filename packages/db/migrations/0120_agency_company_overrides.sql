-- Agency overrides of company identification (issue #16). One row per agency and company domain,
-- written only by that agency's users (API /v1/company-overrides) and read only for that agency's
-- sites: another agency's view never changes.
--   not_company     this domain is an ISP / not a company: left out of the companies list and the
--                   business visitors of the agency's sites (at read time, so also for past events)
--   name            the name to show instead of the identified one
--   industry, employee_count   facts to show instead of the identified ones
--   merge_into      another domain of the same company: this domain's visits count as that one's in
--                   the companies list and its company detail (one hop: the target's own merge_into is
--                   not followed)
CREATE TABLE agency_company_overrides (
  agency_id      UUID NOT NULL REFERENCES agencies(id) ON DELETE CASCADE,
  domain         VARCHAR(255) NOT NULL, -- lower-case, as events.company_domain holds it
  not_company    BOOLEAN NOT NULL DEFAULT FALSE,
  name           VARCHAR(255),
  industry       VARCHAR(100),
  employee_count VARCHAR(50),
  merge_into     VARCHAR(255) CHECK (merge_into <> domain),
  created_at     TIMESTAMPTZ NOT NULL DEFAULT NOW(),
  updated_at     TIMESTAMPTZ NOT NULL DEFAULT NOW(),
  PRIMARY KEY (agency_id, domain)
);
CREATE TRIGGER agency_company_overrides_updated_at BEFORE UPDATE ON agency_company_overrides
  FOR EACH ROW EXECUTE FUNCTION beacon_set_updated_at();
