import { inRange, type Scope } from '../scope.js';

/**
 * Companies seen on the site in the range (the B2B view). In: scope, allow-listed orderBy, limit, offset.
 * Out: name, domain, industry, visitors, sessions, page_views, events, first_seen, last_seen.
 */
export const companyList = (s: Scope, orderBy: string, limit: string, offset: string) => `
SELECT e.company_name AS name,
       e.company_domain AS domain,
       max(e.company_industry) AS industry,
       count(DISTINCT e.client_id)::int AS visitors,
       count(DISTINCT e.session_id)::int AS sessions,
       count(*) FILTER (WHERE e.event_name = 'page_view')::int AS page_views,
       count(*)::int AS events,
       min(e.server_timestamp) AS first_seen,
       max(e.server_timestamp) AS last_seen
FROM events e
WHERE ${inRange(s)}
  AND e.company_name IS NOT NULL
GROUP BY e.company_name, e.company_domain
ORDER BY ${orderBy}
LIMIT ${limit} OFFSET ${offset}`;

/**
 * What the caller's agency knows about a domain: per column its own fact (agency_companies of that
 * agency) over the agency-neutral one (companies). Another agency's facts are never read: they live
 * only in that agency's agency_companies rows (migration 0060). In: agency id, domain. Out: name,
 * domain, industry, employee_count, revenue; no row when neither table has the domain.
 */
export const companyByDomain = (agencyId: string, domain: string) => `
SELECT COALESCE(a.name, c.name) AS name,
       k.domain,
       COALESCE(a.industry, c.industry) AS industry,
       COALESCE(a.employee_count, c.employee_count) AS employee_count,
       COALESCE(a.revenue, c.revenue) AS revenue
FROM (SELECT ${domain}::text AS domain) k
LEFT JOIN companies c ON c.domain = k.domain
LEFT JOIN agency_companies a ON a.agency_id = ${agencyId}::uuid AND a.domain = k.domain
WHERE c.domain IS NOT NULL OR a.domain IS NOT NULL`;
