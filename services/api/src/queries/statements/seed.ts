import { countedEvent } from '@beacon/db';
import { LISTED_EVENT_COLUMNS } from '@beacon/schema';
import { inRange, type Scope } from '../scope.js';

/**
 * The seed's five sample queries (SEED.md "Sample Queries"), scoped to one site, a range in the site's
 * timezone and the request's filters. Each function returns the statement text; values are in
 * `scope.p`.
 */

/** Columns of raw event rows in lists (recent events, one session's events): the registry's `listed` ones. */
export const EVENT_LIST_COLUMNS = LISTED_EVENT_COLUMNS.map((c) => `e.${c}`).join(', ');

/** A timestamptz as exact UTC text (JS dates drop microseconds, which would skip rows between pages). */
export const CURSOR_TS = (col: string) =>
  `to_char(${col} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`;

/**
 * Recent events, newest first, paged by the key (server_timestamp, id).
 * In: scope; `after` = placeholders of the previous page's last (server_timestamp, id) or null; `limit` placeholder.
 * Out: EVENT_LIST_COLUMNS, cursor_ts (the timestamp with microseconds, for the next cursor).
 */
export const recentEvents = (s: Scope, after: { t: string; id: string } | null, limit: string) => `
SELECT ${EVENT_LIST_COLUMNS}, ${CURSOR_TS('e.server_timestamp')} AS cursor_ts
FROM events e
WHERE ${inRange(s)}
  ${after ? `AND (e.server_timestamp, e.id) < (${after.t}::timestamptz, ${after.id}::uuid)` : ''}
ORDER BY e.server_timestamp DESC, e.id DESC
LIMIT ${limit}`;

/**
 * Business visitors with company data.
 * In: scope, agency id (its "not a company" overrides are left out, migration 0120), limit, offset.
 * Out: company_name, company_domain, company_industry, unique_visitors, total_events.
 */
export const businessVisitors = (s: Scope, agencyId: string, limit: string, offset: string) => `
SELECT e.company_name, e.company_domain, e.company_industry,
       count(DISTINCT e.client_id)::int AS unique_visitors,
       count(*) FILTER (WHERE ${countedEvent()})::int AS total_events
FROM events e
WHERE ${inRange(s)}
  AND e.visitor_type = 'business'
  AND e.company_name IS NOT NULL
  AND NOT EXISTS (SELECT 1 FROM agency_company_overrides o
                  WHERE o.agency_id = ${agencyId}::uuid AND o.domain = e.company_domain AND o.not_company)
GROUP BY e.company_name, e.company_domain, e.company_industry
ORDER BY total_events DESC, e.company_name, e.company_domain
LIMIT ${limit} OFFSET ${offset}`;

/**
 * Session analytics by day (days of the scope's timezone), newest day first.
 * In: scope. Out: date (YYYY-MM-DD), sessions, unique_users, total_events, avg_time_on_page (seconds or null).
 */
export const sessionsByDay = (s: Scope) => `
SELECT to_char((e.server_timestamp AT TIME ZONE ${s.tz})::date, 'YYYY-MM-DD') AS date,
       count(DISTINCT e.session_id)::int AS sessions,
       count(DISTINCT e.client_id)::int AS unique_users,
       count(*) FILTER (WHERE ${countedEvent()})::int AS total_events,
       round(avg(e.time_on_page), 2)::float8 AS avg_time_on_page
FROM events e
WHERE ${inRange(s)}
GROUP BY 1
ORDER BY 1 DESC`;

/**
 * Top referrers (referrer_domain empty = direct or self-referral, left out).
 * In: scope, limit, offset. Out: referrer_domain, sessions, events.
 */
export const topReferrers = (s: Scope, limit: string, offset: string) => `
SELECT e.referrer_domain,
       count(DISTINCT e.session_id)::int AS sessions,
       count(*) FILTER (WHERE ${countedEvent()})::int AS events
FROM events e
WHERE ${inRange(s)}
  AND e.referrer_domain IS NOT NULL AND e.referrer_domain <> ''
GROUP BY e.referrer_domain
ORDER BY sessions DESC, events DESC, e.referrer_domain
LIMIT ${limit} OFFSET ${offset}`;

/**
 * UTM campaign performance.
 * In: scope, limit, offset. Out: utm_source, utm_medium, utm_campaign, sessions, unique_users, avg_engagement.
 */
export const utmCampaigns = (s: Scope, limit: string, offset: string) => `
SELECT e.utm_source, e.utm_medium, e.utm_campaign,
       count(DISTINCT e.session_id)::int AS sessions,
       count(DISTINCT e.client_id)::int AS unique_users,
       round(avg(e.engagement_score), 2)::float8 AS avg_engagement
FROM events e
WHERE ${inRange(s)}
  AND e.utm_campaign IS NOT NULL
GROUP BY e.utm_source, e.utm_medium, e.utm_campaign
ORDER BY sessions DESC, unique_users DESC, e.utm_source NULLS LAST, e.utm_medium NULLS LAST, e.utm_campaign
LIMIT ${limit} OFFSET ${offset}`;
