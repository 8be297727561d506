import { inRange, type Scope } from '../scope.js';
import { countColumns, EVENTS, ROLLUP_SESSIONS, type TrafficSource } from './sources.js';

/**
 * Companies seen on the site in the range (the B2B view), from events. In: scope, allow-listed
 * orderBy, limit, offset. Out: name, domain, industry, visitors, sessions, page_views, events,
 * first_seen, last_seen.
 */
/** The list's statements: scope, allow-listed orderBy, limit, offset. */
type CompanyList = (s: Scope, orderBy: string, limit: string, offset: string) => string;

/** The list from a source (rollup_sessions rows carry their session's company columns). */
const companyListFrom =
  (src: TrafficSource): CompanyList =>
  (s, orderBy, limit, offset) => {
    const a = src.alias;
    return `
SELECT ${a}.company_name AS name,
       ${a}.company_domain AS domain,
       max(${a}.company_industry) AS industry,
       ${countColumns(src, '::int', '       ')},
       ${src.firstSeen} AS first_seen,
       ${src.lastSeen} AS last_seen
FROM ${src.from}
WHERE ${src.where(s)}
  AND ${a}.company_name IS NOT NULL
GROUP BY ${a}.company_name, ${a}.company_domain
ORDER BY ${orderBy}
LIMIT ${limit} OFFSET ${offset}`;
  };

export const companyList = companyListFrom(EVENTS);

/** The same from the hourly rollups. */
export const companyListRollup = companyListFrom(ROLLUP_SESSIONS);

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

/**
 * How the site's events of a domain were matched (issue #16, explainable matches): one row per
 * company_source (agency_ranges, maxmind, asn) with its highest confidence, the ASNs it saw (at most
 * 10), the number of events and the first and last time, over the site's whole history (first/last
 * seen are not limited to the asked range). In: site script_id, domain. Bots are left out.
 */
export const companyMatchSources = (site: string, domain: string) => `
SELECT e.company_source AS source,
       max(e.company_confidence)::float8 AS confidence,
       (array_agg(DISTINCT e.asn) FILTER (WHERE e.asn IS NOT NULL))[1:10] AS asns,
       count(*)::int AS events,
       min(e.server_timestamp) AS first_seen,
       max(e.server_timestamp) AS last_seen
FROM events e
WHERE e.site_id = ${site}
  AND e.company_domain = ${domain}
  AND e.visitor_type IS DISTINCT FROM 'bot'
GROUP BY e.company_source
ORDER BY max(e.company_confidence) DESC NULLS LAST, e.company_source`;

/**
 * The caller's agency's own IP ranges naming a domain (what an `agency_ranges` match matched).
 * In: agency id, domain. Out: range_start, range_end (text), at most 50, narrowest first.
 */
export const companyAgencyRanges = (agencyId: string, domain: string) => `
SELECT host(r.range_start) AS range_start, host(r.range_end) AS range_end
FROM company_ip_ranges r
WHERE r.agency_id = ${agencyId}::uuid AND r.company_domain = ${domain}
ORDER BY r.range_end - r.range_start, r.range_start
LIMIT 50`;

/**
 * A companies list (events' or rollups', already paged by nothing: `inner` has LIMIT NULL OFFSET 0)
 * with the caller's agency's overrides applied (migration 0120): domains marked "not a company" are
 * left out, an override's name / industry replaces the identified one; each gets its lead score
 * (company_scores, migration 0150; null before the first computation), optionally at least a minimum;
 * then sorted and paged. In: inner statement, agency id, allow-listed orderBy, limit, offset, site
 * script_id and minimum score (null: any).
 */
export const withCompanyOverrides = (
  inner: string,
  agencyId: string,
  orderBy: string,
  limit: string,
  offset: string,
  scores: { site: string; minScore: string },
) => `
SELECT COALESCE(o.name, l.name) AS name,
       l.domain,
       COALESCE(o.industry, l.industry) AS industry,
       l.visitors, l.sessions, l.page_views, l.events, l.first_seen, l.last_seen,
       cs.score, cs.engagement, cs.intent, cs.fit
FROM (${inner}) l
LEFT JOIN agency_company_overrides o ON o.agency_id = ${agencyId}::uuid AND o.domain = l.domain
LEFT JOIN company_scores cs ON cs.site_id = ${scores.site} AND cs.domain = l.domain
WHERE o.not_company IS NOT TRUE
  AND (${scores.minScore}::int IS NULL OR cs.score >= ${scores.minScore}::int)
ORDER BY ${orderBy}
LIMIT ${limit} OFFSET ${offset}`;

/** The agency's override of one domain (migration 0120), or no row. In: agency id, domain. */
export const companyOverride = (agencyId: string, domain: string) => `
SELECT o.not_company, o.name, o.industry, o.employee_count, o.merge_into, o.updated_at
FROM agency_company_overrides o
WHERE o.agency_id = ${agencyId}::uuid AND o.domain = ${domain}`;

/**
 * Companies list from events with the agency's merges applied (migration 0120 merge_into): a merged
 * domain's events count under its target domain (one hop), so visitors and sessions stay distinct
 * across the two. Used instead of companyList (and of the rollups, which know nothing of an agency's
 * merges) when the agency has a merge. In/out: as companyList, plus the agency id.
 */
export const companyListMerged = (
  s: Scope,
  agencyId: string,
  orderBy: string,
  limit: string,
  offset: string,
) => `
SELECT COALESCE(max(e.company_name) FILTER (WHERE m.merge_into IS NULL), max(e.company_name)) AS name,
       COALESCE(m.merge_into, e.company_domain) AS domain,
       max(e.company_industry) AS industry,
       count(DISTINCT e.client_id)::int AS visitors,
       count(DISTINCT e.session_id)::int AS sessions,
       count(*) FILTER (WHERE e.event_name = 'page_view')::int AS page_views,
       count(*)::int AS events,
       min(e.server_timestamp) AS first_seen,
       max(e.server_timestamp) AS last_seen
FROM events e
LEFT JOIN agency_company_overrides m
  ON m.agency_id = ${agencyId}::uuid AND m.domain = e.company_domain AND m.merge_into IS NOT NULL
WHERE ${inRange(s)}
  AND e.company_name IS NOT NULL
GROUP BY COALESCE(m.merge_into, e.company_domain), CASE WHEN e.company_domain IS NULL THEN e.company_name END
ORDER BY ${orderBy}
LIMIT ${limit} OFFSET ${offset}`;

/** Does the agency merge any domain? In: agency id. Out: one row, `merges` boolean. */
export const agencyHasMerges = (agencyId: string) => `
SELECT EXISTS (SELECT 1 FROM agency_company_overrides
               WHERE agency_id = ${agencyId}::uuid AND merge_into IS NOT NULL) AS merges`;

/** The domains the agency merges into a domain. In: agency id, domain. Out: domain. */
export const domainsMergedInto = (agencyId: string, domain: string) => `
SELECT o.domain FROM agency_company_overrides o
WHERE o.agency_id = ${agencyId}::uuid AND o.merge_into = ${domain}
ORDER BY o.domain
LIMIT 100`;
