import { companyList } from './companies.js';
import { inRange, type Scope } from '../scope.js';

/**
 * The companies CSV for sales tools (issue #16): each company seen on the site in the range with the
 * caller's agency's facts and overrides (not-a-company left out), its country (most frequent), its
 * lead score and parts, and the dashboard link of its company page. In: scope, agency id, site uuid,
 * dashboard base URL. Ordered by score, then visitors.
 */
export const companyExport = (s: Scope, agencyId: string, siteUuid: string, dashboardUrl: string) => `
SELECT l.domain,
       COALESCE(o.name, a.name, l.name) AS name,
       COALESCE(o.industry, a.industry, c.industry, l.industry) AS industry,
       COALESCE(o.employee_count, a.employee_count, c.employee_count) AS employee_count,
       (SELECT mode() WITHIN GROUP (ORDER BY e.country) FROM events e
         WHERE ${inRange(s)} AND e.company_domain = l.domain) AS country,
       cs.score, cs.engagement, cs.intent, cs.fit,
       l.visitors, l.sessions, l.page_views,
       l.first_seen AS first_visit, l.last_seen AS last_visit,
       ${dashboardUrl}::text || '/sites/' || ${siteUuid}::text || '/companies/' || l.domain AS dashboard_url
FROM (${companyList(s, 'visitors DESC', 'NULL', '0')}) l
LEFT JOIN agency_company_overrides o ON o.agency_id = ${agencyId}::uuid AND o.domain = l.domain
LEFT JOIN agency_companies a ON a.agency_id = ${agencyId}::uuid AND a.domain = l.domain
LEFT JOIN companies c ON c.domain = l.domain
LEFT JOIN company_scores cs ON cs.site_id = ${s.site} AND cs.domain = l.domain
WHERE o.not_company IS NOT TRUE AND l.domain IS NOT NULL
ORDER BY cs.score DESC NULLS LAST, l.visitors DESC, l.domain`;
