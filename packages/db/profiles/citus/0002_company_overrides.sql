-- Issue #16 (migration 0120): an agency's company overrides are a small table every companies
-- question joins by (agency, domain): a reference table, like agency_companies.
SELECT create_reference_table('agency_company_overrides');
