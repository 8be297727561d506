import { rollupReadSql } from '@beacon/db';
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
       count(*) FILTER (WHERE ${rollupReadSql.countedEvent()})::int AS events,
       min(e.server_timestamp) AS first_seen,
       max(e.server_timestamp) AS last_seen
FROM events e
WHERE ${inRange(s)}
  AND e.company_name IS NOT NULL
GROUP BY e.company_name, e.company_domain
ORDER BY ${orderBy}
LIMIT ${limit} OFFSET ${offset}`;

/** The companies row of a domain (enrichment facts, shared by all tenants). In: domain. */
export const companyByDomain = (domain: string) => `
SELECT name, domain, industry, employee_count, revenue
FROM companies
WHERE domain = ${domain}`;
