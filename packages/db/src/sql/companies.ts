/**
 * Statements of company identification: the agencies' IP-range -> company tables (written by
 * `beacon companies import`, read by the enricher's range index) and the `companies` lookup by domain.
 */

/**
 * In: $1 agency id. Deletes every range of the agency (a replacing import runs it in the same
 * transaction as the inserts, so the enricher never sees a half-imported table). Out: row count.
 */
export const deleteAgencyRanges = `DELETE FROM company_ip_ranges WHERE agency_id = $1`;

/**
 * In: $1 agency id, $2 text[] range_start, $3 text[] range_end, $4 text[] name, $5 text[] domain,
 * $6 text[] industry, $7 text[] employee_count, $8 text[] revenue (parallel arrays, NULLs allowed
 * except name and the bounds). Out: row count. Errors: 22P02 (bad inet), 23514 (check constraints).
 */
export const insertAgencyRanges = `
INSERT INTO company_ip_ranges
  (agency_id, range_start, range_end, company_name, company_domain, company_industry, company_employee_count, company_revenue)
SELECT $1, s::inet, e::inet, n, d, i, ec, r
FROM unnest($2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[])
  AS t(s, e, n, d, i, ec, r)`;

/** In: nothing. Out: agency_id, version (text: a BIGINT) of every agency that has or had ranges. */
export const rangeVersions = `SELECT agency_id, version::text AS version FROM company_ip_range_versions`;

/**
 * In: $1 agency id. Out: the agency's ranges with bounds as text (host addresses, no mask) and the
 * version they belong to, read in one statement so they are consistent with each other.
 */
export const agencyRanges = `
SELECT host(r.range_start) AS range_start, host(r.range_end) AS range_end, r.company_name, r.company_domain,
       r.company_industry, r.company_employee_count, r.company_revenue,
       (SELECT version::text FROM company_ip_range_versions v WHERE v.agency_id = $1) AS version
FROM company_ip_ranges r WHERE r.agency_id = $1
ORDER BY r.range_start`;

/** In: $1 agency id. Out: count (text) of the agency's ranges. */
export const countAgencyRanges = `SELECT count(*)::text AS count FROM company_ip_ranges WHERE agency_id = $1`;

/**
 * In: $1 text[] lower-cased domains (the writer stores domains lower-cased). Out: domain, name, industry, employee_count, revenue of the
 * `companies` rows among them (the writer upserts those rows; the enricher caches this answer).
 */
export const companiesByDomain = `
SELECT domain, name, industry, employee_count, revenue
FROM companies WHERE domain = ANY($1::text[])`;
