/**
 * Statements of company identification: the agencies' IP-range -> company tables (written by
 * `beacon companies import`, read by the enricher's range index), the agencies' own company facts
 * (`agency_companies`, read only for that agency's sites) and the agency-neutral `companies` lookup by
 * domain (migration 0060 says which facts live where).
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
 * In: $1 text[] lower-cased domains (the writer stores domains lower-cased). Out: domain, name, industry,
 * employee_count, revenue of the `companies` rows among them: agency-neutral facts (the writer upserts
 * them from neutral sources only; the enricher caches this answer).
 */
export const companiesByDomain = `
SELECT domain, name, industry, employee_count, revenue
FROM companies WHERE domain = ANY($1::text[])`;

/**
 * In: $1 agency id. Deletes the agency's own company facts (a replacing import runs it in its
 * transaction, before upsertAgencyCompanies: the file is then the agency's whole truth). Out: row count.
 */
export const deleteAgencyCompanies = `DELETE FROM agency_companies WHERE agency_id = $1`;

/**
 * In: $1 agency id, $2 text[] domain (lower-case, distinct), $3 text[] name, $4 text[] industry,
 * $5 text[] employee_count, $6 text[] revenue. The facts an import gives per domain: a value of the
 * file replaces the stored one, an empty cell keeps it. Out: row count.
 */
export const upsertAgencyCompanies = `
INSERT INTO agency_companies AS a (agency_id, domain, name, industry, employee_count, revenue, origin)
SELECT $1, d, n, i, ec, r, 'import'
FROM unnest($2::text[], $3::text[], $4::text[], $5::text[], $6::text[]) AS t(d, n, i, ec, r)
ORDER BY d
ON CONFLICT (agency_id, domain) DO UPDATE SET
  name           = COALESCE(EXCLUDED.name, a.name),
  industry       = COALESCE(EXCLUDED.industry, a.industry),
  employee_count = COALESCE(EXCLUDED.employee_count, a.employee_count),
  revenue        = COALESCE(EXCLUDED.revenue, a.revenue),
  origin         = 'import'`;

/**
 * In: $1 uuid[] agency id, $2 text[] lower-cased domain (parallel arrays). Out: agency_id, domain,
 * name, industry, employee_count, revenue of the `agency_companies` rows among those pairs, the
 * agency's overrides (migration 0120) over them, and not_company (the agency says: an ISP). Only ever
 * asked with the agency of the site whose hits are being completed (the enricher caches the answer).
 */
export const agencyCompaniesByDomain = `
SELECT k.agency_id, k.domain,
       COALESCE(o.name, a.name) AS name,
       COALESCE(o.industry, a.industry) AS industry,
       COALESCE(o.employee_count, a.employee_count) AS employee_count,
       a.revenue,
       COALESCE(o.not_company, FALSE) AS not_company
FROM unnest($1::uuid[], $2::text[]) AS k(agency_id, domain)
LEFT JOIN agency_companies a ON a.agency_id = k.agency_id AND a.domain = k.domain
LEFT JOIN agency_company_overrides o ON o.agency_id = k.agency_id AND o.domain = k.domain
WHERE a.domain IS NOT NULL OR o.domain IS NOT NULL`;

/**
 * Which stored events hold a company fact that another agency owns (issue #13: before migration 0060
 * the enricher completed one agency's events from facts another agency had imported). A value counts as
 * leaked when, for the event's company_domain, some OTHER agency holds it (agency_companies or its
 * ranges), while the event's own agency does not hold it and the neutral `companies` row does not say
 * it. A neutral source that happened to give the same value is indistinguishable and is cleared too
 * (a NULL, never another agency's value). Shared by the report and the scrub below; $1 text[] of
 * script_ids, or NULL for every site.
 */
const leakedFact = (col: 'industry' | 'employee_count' | 'revenue') => `(
    e.company_${col} IS NOT NULL
    AND EXISTS (SELECT 1 FROM facts f WHERE f.domain = e.company_domain AND f.agency_id <> s.agency_id AND f.${col} = e.company_${col})
    AND NOT EXISTS (SELECT 1 FROM facts f WHERE f.domain = e.company_domain AND f.agency_id = s.agency_id AND f.${col} = e.company_${col})
    AND NOT EXISTS (SELECT 1 FROM companies c WHERE c.domain = e.company_domain AND c.${col} = e.company_${col}))`;

const LEAKED_EVENTS = `
facts AS (
  SELECT agency_id, domain, industry, employee_count, revenue FROM agency_companies
  UNION ALL
  SELECT agency_id, lower(company_domain), company_industry, company_employee_count, company_revenue
  FROM company_ip_ranges WHERE company_domain IS NOT NULL
),
leaked AS (
  SELECT * FROM (
    SELECT e.id, e.server_timestamp, e.site_id,
           ${leakedFact('industry')} AS industry,
           ${leakedFact('employee_count')} AS employee_count,
           ${leakedFact('revenue')} AS revenue
    FROM events e JOIN sites s ON s.script_id = e.site_id
    WHERE e.company_name IS NOT NULL
      AND e.company_domain IN (SELECT domain FROM facts)
      AND ($1::text[] IS NULL OR e.site_id = ANY($1::text[]))
  ) x
  WHERE industry OR employee_count OR revenue
)`;

/**
 * In: $1 text[] script_ids or NULL (every site). Out per site: site_id, events (int) holding another
 * agency's fact, first and last server_timestamp of them. Changes nothing.
 */
export const leakedEventFacts = `
WITH ${LEAKED_EVENTS}
SELECT site_id, count(*)::int AS events, min(server_timestamp) AS first, max(server_timestamp) AS last
FROM leaked GROUP BY site_id ORDER BY site_id`;

/**
 * In: $1 as leakedEventFacts. Sets each leaked company_industry / company_employee_count /
 * company_revenue of those events to NULL, in one statement. Out: as leakedEventFacts (the events
 * changed). The site's rollups of those hours are then stale: rebuild them (the CLI does).
 */
export const scrubLeakedEventFacts = `
WITH ${LEAKED_EVENTS},
changed AS (
  UPDATE events e SET
    company_industry       = CASE WHEN l.industry THEN NULL ELSE e.company_industry END,
    company_employee_count = CASE WHEN l.employee_count THEN NULL ELSE e.company_employee_count END,
    company_revenue        = CASE WHEN l.revenue THEN NULL ELSE e.company_revenue END
  FROM leaked l
  WHERE e.id = l.id AND e.server_timestamp = l.server_timestamp
  RETURNING e.site_id, e.server_timestamp
)
SELECT site_id, count(*)::int AS events, min(server_timestamp) AS first, max(server_timestamp) AS last
FROM changed GROUP BY site_id ORDER BY site_id`;
