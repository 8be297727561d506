import { type Scope } from '../scope.js';

/**
 * Match rates (issue #16): per bucket of the scope's timezone, the site's sessions by how their visitor
 * was identified. A session's class is its "best" event's, in this order:
 *   company          an event named a company (visitor_type business)
 *   bot              the bot rule flagged it
 *   hosting_vpn      visitor_type privacy_user on a flagged network (hosting, VPN, proxy) or a known
 *                    ASN (a hosting network by name); privacy_user with no network data (cookieless /
 *                    dropped IPs) counts as unknown
 *   isp_residential  visitor_type consumer (an access provider, a mobile carrier, a known network
 *                    naming no company)
 *   unknown          nothing known about the network
 * Bots are counted here on purpose (the filters' bot rule is not applied): the panel shows them.
 * In: scope (site, range, tz), unit placeholder. Out: bucket, start, sessions, and one count per class.
 */
export const matchRates = (s: Scope, unit: string) => `
WITH buckets AS (
  SELECT b AS bucket
  FROM generate_series(date_trunc(${unit}, ${s.lo} AT TIME ZONE ${s.tz}),
                       (${s.hi} AT TIME ZONE ${s.tz}) - interval '1 microsecond',
                       ('1 ' || ${unit})::interval) AS b
), per_session AS (
  SELECT date_trunc(${unit}, min(e.server_timestamp) AT TIME ZONE ${s.tz}) AS bucket,
         CASE
           WHEN bool_or(e.visitor_type = 'business' AND e.company_name IS NOT NULL) THEN 'company'
           WHEN bool_or(e.visitor_type = 'bot') THEN 'bot'
           WHEN bool_or(e.visitor_type = 'privacy_user'
                        AND (e.is_hosting OR e.is_vpn OR e.is_proxy OR e.asn IS NOT NULL)) THEN 'hosting_vpn'
           WHEN bool_or(e.visitor_type = 'consumer') THEN 'isp_residential'
           ELSE 'unknown'
         END AS class
  FROM events e
  WHERE e.site_id = ${s.site}
    AND e.server_timestamp >= ${s.lo} AND e.server_timestamp < ${s.hi}
  GROUP BY e.session_id
), agg AS (
  SELECT bucket,
         count(*) AS sessions,
         count(*) FILTER (WHERE class = 'company') AS company,
         count(*) FILTER (WHERE class = 'isp_residential') AS isp_residential,
         count(*) FILTER (WHERE class = 'hosting_vpn') AS hosting_vpn,
         count(*) FILTER (WHERE class = 'bot') AS bot,
         count(*) FILTER (WHERE class = 'unknown') AS unknown
  FROM per_session
  GROUP BY bucket
)
SELECT to_char(b.bucket, 'YYYY-MM-DD"T"HH24:MI:SS') AS bucket,
       b.bucket AT TIME ZONE ${s.tz} AS start,
       coalesce(a.sessions, 0)::int AS sessions,
       coalesce(a.company, 0)::int AS company,
       coalesce(a.isp_residential, 0)::int AS isp_residential,
       coalesce(a.hosting_vpn, 0)::int AS hosting_vpn,
       coalesce(a.bot, 0)::int AS bot,
       coalesce(a.unknown, 0)::int AS unknown
FROM buckets b
LEFT JOIN agg a ON a.bucket = b.bucket
ORDER BY b.bucket`;
