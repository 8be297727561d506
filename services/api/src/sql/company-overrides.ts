/** Statements on the caller's agency's company overrides (migration 0120). $1 is always the agency id. */

const COLUMNS = 'domain, not_company, name, industry, employee_count, merge_into, created_at, updated_at';

/** $1 agency id. Out: its overrides by domain. */
export const listOverrides = `
SELECT ${COLUMNS} FROM agency_company_overrides WHERE agency_id = $1 ORDER BY domain LIMIT 10000`;

/**
 * $1 agency id, $2 domain, $3 not_company, $4 name|null, $5 industry|null, $6 employee_count|null,
 * $7 merge_into|null.
 * Creates or replaces the agency's override of the domain. Out: the override.
 */
export const upsertOverride = `
INSERT INTO agency_company_overrides (agency_id, domain, not_company, name, industry, employee_count, merge_into)
VALUES ($1, $2, $3, $4, $5, $6, $7)
ON CONFLICT (agency_id, domain) DO UPDATE SET
  not_company = EXCLUDED.not_company, name = EXCLUDED.name,
  industry = EXCLUDED.industry, employee_count = EXCLUDED.employee_count, merge_into = EXCLUDED.merge_into
RETURNING ${COLUMNS}`;

/** $1 agency id, $2 domain. Out: the removed domain, or no row. */
export const deleteOverride = `
DELETE FROM agency_company_overrides WHERE agency_id = $1 AND domain = $2 RETURNING domain`;
