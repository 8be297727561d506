-- company_ip_ranges: an agency's own IP-range -> company mappings (first source of company
-- identification, ahead of MaxMind and ASN names). Imported with `beacon companies import`.
-- A range is inclusive [range_start, range_end] of one address family; ranges may overlap, the
-- narrowest range containing an address wins (an office /28 inside the head office /16).
CREATE TABLE company_ip_ranges (
  id                     BIGSERIAL PRIMARY KEY,
  agency_id              UUID NOT NULL REFERENCES agencies(id) ON DELETE CASCADE,
  range_start            INET NOT NULL,
  range_end              INET NOT NULL,
  company_name           VARCHAR(255) NOT NULL,
  company_domain         VARCHAR(255),
  company_industry       VARCHAR(100),
  company_employee_count VARCHAR(50),
  company_revenue        VARCHAR(50),
  created_at             TIMESTAMPTZ NOT NULL DEFAULT NOW(),
  CONSTRAINT company_ip_ranges_family CHECK (family(range_start) = family(range_end)),
  CONSTRAINT company_ip_ranges_order CHECK (range_start <= range_end),
  CONSTRAINT company_ip_ranges_hosts CHECK (masklen(range_start) = (CASE family(range_start) WHEN 4 THEN 32 ELSE 128 END)
                                        AND masklen(range_end) = (CASE family(range_end) WHEN 4 THEN 32 ELSE 128 END))
);
CREATE INDEX idx_company_ip_ranges_agency ON company_ip_ranges(agency_id, range_start);

-- One row per agency that has (or had) ranges; `version` grows with every change of that agency's
-- ranges, whoever makes it (the triggers below), so enrichers poll this small table cheaply and reload
-- only the agencies whose version moved.
CREATE TABLE company_ip_range_versions (
  agency_id  UUID PRIMARY KEY REFERENCES agencies(id) ON DELETE CASCADE,
  version    BIGINT NOT NULL DEFAULT 1,
  updated_at TIMESTAMPTZ NOT NULL DEFAULT NOW()
);

CREATE FUNCTION beacon_bump_company_range_version() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO company_ip_range_versions AS v (agency_id)
  SELECT DISTINCT agency_id FROM changed_rows
  WHERE EXISTS (SELECT 1 FROM agencies a WHERE a.id = changed_rows.agency_id)
  ON CONFLICT (agency_id) DO UPDATE SET version = v.version + 1, updated_at = NOW();
  RETURN NULL;
END $$;

-- Statement-level: one bump per agency per statement, however many rows an import writes.
CREATE TRIGGER company_ip_ranges_ins AFTER INSERT ON company_ip_ranges
  REFERENCING NEW TABLE AS changed_rows FOR EACH STATEMENT EXECUTE FUNCTION beacon_bump_company_range_version();
CREATE TRIGGER company_ip_ranges_upd AFTER UPDATE ON company_ip_ranges
  REFERENCING NEW TABLE AS changed_rows FOR EACH STATEMENT EXECUTE FUNCTION beacon_bump_company_range_version();
CREATE TRIGGER company_ip_ranges_del AFTER DELETE ON company_ip_ranges
  REFERENCING OLD TABLE AS changed_rows FOR EACH STATEMENT EXECUTE FUNCTION beacon_bump_company_range_version();
