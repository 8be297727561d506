-- agency_companies: what ONE agency knows about a company, keyed by (agency, domain). Issue #13: the
-- writer used to upsert every agency's enrichment into the global `companies` table, including the
-- industry / size / revenue of an agency's private IP-range CSV, and the enricher and the API then
-- showed those facts to every other agency. From this migration on:
--
--   companies         agency-neutral facts only: the operator's company database (COMPANY_MMDB_PATH),
--                     MaxMind Enterprise/ISP organisations, ASN names. Written by the writer from hits
--                     identified by those sources; read for every agency.
--   agency_companies  one agency's facts: its `beacon companies import` (origin 'import'), what its own
--                     ranges gave on enrichment (origin 'enrichment', fills gaps only), rows moved here
--                     by this migration (origin 'migration'). Read ONLY for that agency's sites: the
--                     enricher completes that agency's events from it, the API shows it to that agency's
--                     callers over the neutral row (agency facts win, per column).
--
-- Moving the existing rows. A `companies` row is treated as agency-sourced when its domain is "claimed"
-- by an agency: named by one of the agency's current ranges (company_ip_ranges), or carried by an event
-- of one of the agency's sites that its ranges identified (events.company_source = 'agency_ranges').
--   1. Every agency's current ranges give that agency a row per domain (origin 'import'): per column the
--      value of the first range that has one, in import order (the order of the lines of its CSV file).
--   2. A claimed domain's `companies` row: when exactly ONE agency claims the domain, its values fill
--      that agency's gaps (the row is created with origin 'migration' when step 1 made none). When
--      several agencies claim it, nobody can tell whose value is whose: the values go to no agency.
--   3. Either way the claimed row's name, industry, employee_count and revenue are set to NULL (the row,
--      its id and enrichment_data stay). Neutral facts among them come back with the next hit that a
--      neutral source identifies (the writer upserts them again).
-- What this cannot know: a domain that an agency imported once, replaced later (so it is no longer in
-- its ranges), and whose events retention has already deleted looks like a neutral row and stays in
-- `companies` untouched; an operator who knows of such a file can clear those rows by hand. Events
-- stored before this migration keep the company_* values they were enriched with, including values the
-- enricher completed from another agency's row (raw hits are not kept, so they cannot be re-enriched):
-- `beacon companies scrub-events` clears those values afterwards (docs/company-ranges.md).
-- Cost: step 2 reads every stored event once to find those that agency ranges identified (on a large
-- install a scan of events, reading only: writers are not blocked; run it in a quiet hour).
CREATE TABLE agency_companies (
  agency_id      UUID NOT NULL REFERENCES agencies(id) ON DELETE CASCADE,
  domain         VARCHAR(255) NOT NULL, -- lower-case, as the writer and the import store it
  name           VARCHAR(255),
  industry       VARCHAR(100),
  employee_count VARCHAR(50),
  revenue        VARCHAR(50),
  origin         VARCHAR(20) NOT NULL CHECK (origin IN ('import', 'enrichment', 'migration')),
  created_at     TIMESTAMPTZ NOT NULL DEFAULT NOW(),
  updated_at     TIMESTAMPTZ NOT NULL DEFAULT NOW(),
  PRIMARY KEY (agency_id, domain)
);
CREATE TRIGGER agency_companies_updated_at BEFORE UPDATE ON agency_companies
  FOR EACH ROW EXECUTE FUNCTION beacon_set_updated_at();

-- 1. The agencies' current ranges.
INSERT INTO agency_companies (agency_id, domain, name, industry, employee_count, revenue, origin)
SELECT agency_id, lower(company_domain),
       (array_agg(company_name ORDER BY id))[1],
       (array_agg(company_industry ORDER BY id) FILTER (WHERE company_industry IS NOT NULL))[1],
       (array_agg(company_employee_count ORDER BY id) FILTER (WHERE company_employee_count IS NOT NULL))[1],
       (array_agg(company_revenue ORDER BY id) FILTER (WHERE company_revenue IS NOT NULL))[1],
       'import'
FROM company_ip_ranges
WHERE company_domain IS NOT NULL AND company_domain <> ''
GROUP BY agency_id, lower(company_domain);

-- 2. Who claims which domain.
CREATE TEMP TABLE beacon_company_claims AS
SELECT DISTINCT agency_id, domain FROM (
  SELECT agency_id, lower(company_domain) AS domain
  FROM company_ip_ranges WHERE company_domain IS NOT NULL AND company_domain <> ''
  UNION
  SELECT s.agency_id, lower(e.company_domain)
  FROM events e JOIN sites s ON s.script_id = e.site_id
  WHERE e.company_name IS NOT NULL AND e.company_source = 'agency_ranges'
    AND e.company_domain IS NOT NULL AND e.company_domain <> ''
) c;

INSERT INTO agency_companies AS a (agency_id, domain, name, industry, employee_count, revenue, origin)
SELECT o.agency_id, c.domain, c.name, c.industry, c.employee_count, c.revenue, 'migration'
FROM companies c
JOIN (SELECT domain, min(agency_id::text)::uuid AS agency_id FROM beacon_company_claims
      GROUP BY domain HAVING count(*) = 1) o ON o.domain = lower(c.domain)
WHERE (c.name, c.industry, c.employee_count, c.revenue) IS DISTINCT FROM (NULL, NULL, NULL, NULL)
ON CONFLICT (agency_id, domain) DO UPDATE SET
  name           = COALESCE(a.name, EXCLUDED.name),
  industry       = COALESCE(a.industry, EXCLUDED.industry),
  employee_count = COALESCE(a.employee_count, EXCLUDED.employee_count),
  revenue        = COALESCE(a.revenue, EXCLUDED.revenue);

-- 3. The global table keeps nothing an agency may have contributed.
UPDATE companies c SET name = NULL, industry = NULL, employee_count = NULL, revenue = NULL
WHERE lower(c.domain) IN (SELECT domain FROM beacon_company_claims)
  AND (c.name, c.industry, c.employee_count, c.revenue) IS DISTINCT FROM (NULL, NULL, NULL, NULL);

DROP TABLE beacon_company_claims;
