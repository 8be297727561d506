/**
 * Dashboard questions answered from the anonymous per-day aggregates (rollup_days, migration 0130)
 * plus the hourly rollups for the recent edge (docs/rollups.md, "Reading long ranges"). Same output
 * columns as the raw-event and rollup statements of the same name, plus `parts` (how many pieces were
 * merged; the API drops it): with one piece — a range that is one frozen day, or only hourly rows —
 * visitors and sessions are exact (count(DISTINCT) frozen per day, or of the hourly keys); with more,
 * they are the cardinality of the union of the pieces' HyperLogLog sketches (error in docs/rollups.md).
 * Counters (page views, events) are always exact sums. Bounce and duration add up per piece: a session
 * crossing a local midnight counts once per day.
 *
 * Requires: no filters (rollup_days has no cross-dimension rows), the `hll` columns, and a plan from
 * the API (services/api/src/queries/days.ts): frozen days of the request's timezone tile [lo, edge),
 * the hourly rollups cover [edge, hi) and no compacted day lies there.
 */

import { sketchOf } from './rollup-days.js';

export interface DaysScope {
  site: string;
  tz: string;
  lo: string;
  hi: string;
  /** End of the frozen days from `lo` (timestamptz expression); hourly rows from there to `hi`. */
  edge: string;
}

export interface DaysPrevScope extends DaysScope {
  prevLo: string;
  prevEdge: string;
}

const sketch = sketchOf;
const distinct = (key: string) => `count(DISTINCT ${key}) FILTER (WHERE ${key} <> 0)`;
/** Exact with one piece, else the sketches' union. */
const merged = (col: string) =>
  `CASE WHEN count(*) = 1 THEN sum(${col}) ELSE round(hll_cardinality(hll_union_agg(${col}_hll))) END`;

/** Overview of the range and the previous period. Out: as statements/overview.ts, plus parts. */
export const overview = (s: DaysPrevScope) => `
WITH edge_rows AS (
  SELECT e.hour >= ${s.lo} AS cur, e.session_key, e.visitor_key, e.page_views, e.events, e.first_at, e.last_at
  FROM rollup_sessions e
  WHERE e.site_id = ${s.site}
    AND ((e.hour >= ${s.edge} AND e.hour < ${s.hi}) OR (e.hour >= ${s.prevEdge} AND e.hour < ${s.lo}))
), edge_sess AS (
  SELECT cur, sum(page_views) AS page_views, extract(epoch FROM max(last_at) - min(first_at)) AS duration
  FROM edge_rows WHERE session_key <> 0
  GROUP BY cur, session_key
), edge_part AS (
  SELECT t.cur, t.visitors, t.sessions, t.page_views, t.events,
         COALESCE(x.bounced, 0) AS bounced, COALESCE(x.viewing, 0) AS viewing, COALESCE(x.duration_sum, 0) AS duration_sum,
         t.visitors_hll, t.sessions_hll
  FROM (SELECT cur, ${distinct('visitor_key')} AS visitors, ${distinct('session_key')} AS sessions,
               sum(page_views) AS page_views, sum(events) AS events,
               ${sketch('visitor_key')} AS visitors_hll, ${sketch('session_key')} AS sessions_hll
        FROM edge_rows GROUP BY cur) t
  LEFT JOIN (SELECT cur, count(*) FILTER (WHERE page_views = 1) AS bounced,
                    count(*) FILTER (WHERE page_views >= 1) AS viewing, sum(duration) AS duration_sum
             FROM edge_sess GROUP BY cur) x ON x.cur = t.cur
), parts AS (
  SELECT d.starts_at >= ${s.lo} AS cur, d.visitors::bigint AS visitors, d.sessions::bigint AS sessions,
         d.page_views::numeric AS page_views, d.events::numeric AS events, d.bounced::bigint AS bounced,
         d.viewing::bigint AS viewing, d.duration_sum, d.visitors_hll, d.sessions_hll
  FROM rollup_days d
  WHERE d.site_id = ${s.site} AND d.dim = 'total' AND d.tz = ${s.tz}
    AND ((d.starts_at >= ${s.lo} AND d.ends_at <= ${s.edge}) OR (d.starts_at >= ${s.prevLo} AND d.ends_at <= ${s.prevEdge}))
  UNION ALL
  SELECT cur, visitors, sessions, page_views, events, bounced, viewing, duration_sum, visitors_hll, sessions_hll
  FROM edge_part
), agg AS (
  SELECT cur, count(*) AS parts, ${merged('visitors')} AS visitors, ${merged('sessions')} AS sessions,
         sum(sessions) AS session_parts, sum(page_views) AS page_views, sum(events) AS events,
         sum(bounced) AS bounced, sum(viewing) AS viewing, sum(duration_sum) AS duration_sum
  FROM parts GROUP BY cur
)
SELECT CASE WHEN p.cur THEN 'current' ELSE 'previous' END AS period,
       coalesce(a.visitors, 0)::int AS visitors,
       coalesce(a.sessions, 0)::int AS sessions,
       coalesce(a.page_views, 0)::int AS page_views,
       coalesce(a.events, 0)::int AS events,
       coalesce(a.bounced, 0)::int AS bounced_sessions,
       coalesce(a.viewing, 0)::int AS viewing_sessions,
       (a.bounced::float8 / nullif(a.viewing, 0)) AS bounce_rate,
       round(a.duration_sum / nullif(a.session_parts, 0), 3)::float8 AS avg_session_duration,
       coalesce(a.parts, 0)::int AS parts
FROM (VALUES (true), (false)) AS p(cur)
LEFT JOIN agg a ON a.cur = p.cur
ORDER BY p.cur DESC`;

/** Time series by day, week or month (`unit` placeholder). Out: as statements/timeseries.ts, plus parts. */
export const timeseries = (s: DaysScope, unit: string) => `
WITH buckets AS (
  SELECT b AS bucket
  FROM generate_series(date_trunc(${unit}, ${s.lo} AT TIME ZONE ${s.tz}),
                       (${s.hi} AT TIME ZONE ${s.tz}) - interval '1 microsecond',
                       ('1 ' || ${unit})::interval) AS b
), parts AS (
  SELECT date_trunc(${unit}, d.starts_at AT TIME ZONE ${s.tz}) AS bucket, d.visitors::bigint AS visitors,
         d.sessions::bigint AS sessions, d.page_views::numeric AS page_views, d.events::numeric AS events,
         d.visitors_hll, d.sessions_hll
  FROM rollup_days d
  WHERE d.site_id = ${s.site} AND d.dim = 'total' AND d.tz = ${s.tz} AND d.starts_at >= ${s.lo} AND d.ends_at <= ${s.edge}
  UNION ALL
  SELECT date_trunc(${unit}, e.hour AT TIME ZONE ${s.tz}), ${distinct('e.visitor_key')}, ${distinct('e.session_key')},
         sum(e.page_views), sum(e.events), ${sketch('e.visitor_key')}, ${sketch('e.session_key')}
  FROM rollup_sessions e
  WHERE e.site_id = ${s.site} AND e.hour >= ${s.edge} AND e.hour < ${s.hi}
  GROUP BY 1
), agg AS (
  SELECT bucket, count(*) AS parts, ${merged('visitors')} AS visitors, ${merged('sessions')} AS sessions,
         sum(page_views) AS page_views, sum(events) AS events
  FROM parts GROUP BY bucket
)
SELECT to_char(b.bucket, 'YYYY-MM-DD"T"HH24:MI:SS') AS bucket,
       b.bucket AT TIME ZONE ${s.tz} AS start,
       coalesce(a.visitors, 0)::int AS visitors,
       coalesce(a.sessions, 0)::int AS sessions,
       coalesce(a.page_views, 0)::int AS page_views,
       coalesce(a.events, 0)::int AS events,
       coalesce(a.parts, 0)::int AS parts
FROM buckets b
LEFT JOIN agg a ON a.bucket = b.bucket
ORDER BY b.bucket`;

/**
 * Breakdown by a session-level column (`column`, a constant of ROLLUP_BREAKDOWNS; also rollup_days'
 * dim) or by page / custom event (`kind` 1 / 2). Out: value, visitors, sessions, page_views, events, parts.
 */
export const breakdown = (
  s: DaysScope,
  by: { column: string; only: string | null } | { kind: 1 | 2 },
  orderBy: string,
  limit: string,
  offset: string,
) => {
  const dim = 'kind' in by ? (by.kind === 1 ? 'page' : 'event') : by.column;
  const edge =
    'kind' in by
      ? `SELECT r.name, ${distinct('r.visitor_key')}, ${distinct('r.session_key')},
         ${by.kind === 1 ? 'sum(r.count)' : '0'}, sum(r.count), ${sketch('r.visitor_key')}, ${sketch('r.session_key')}
  FROM rollup_names r
  WHERE r.site_id = ${s.site} AND r.hour >= ${s.edge} AND r.hour < ${s.hi} AND r.kind = ${by.kind}
  GROUP BY r.name_key, r.name`
      : `SELECT e.${by.column}, ${distinct('e.visitor_key')}, ${distinct('e.session_key')},
         sum(e.page_views), sum(e.events), ${sketch('e.visitor_key')}, ${sketch('e.session_key')}
  FROM rollup_sessions e
  WHERE e.site_id = ${s.site} AND e.hour >= ${s.edge} AND e.hour < ${s.hi}${by.only ? ` AND ${by.only}` : ''}
  GROUP BY e.${by.column}`;
  const only = 'kind' in by || !by.only ? '' : ' AND d.value IS NOT NULL';
  return `
WITH parts AS (
  SELECT d.value, d.visitors::bigint AS visitors, d.sessions::bigint AS sessions, d.page_views::numeric AS page_views,
         d.events::numeric AS events, d.visitors_hll, d.sessions_hll
  FROM rollup_days d
  WHERE d.site_id = ${s.site} AND d.dim = '${dim}' AND d.tz = ${s.tz} AND d.starts_at >= ${s.lo} AND d.ends_at <= ${s.edge}${only}
  UNION ALL
  ${edge}
)
SELECT value, ${merged('visitors')}::int AS visitors, ${merged('sessions')}::int AS sessions,
       sum(page_views)::int AS page_views, sum(events)::int AS events, count(*)::int AS parts
FROM parts
GROUP BY value
ORDER BY ${orderBy}
LIMIT ${limit} OFFSET ${offset}`;
};

/**
 * $1 site, $2 from, $3 to. Out: starts_at, ends_at, tz, compacted of the site's frozen days
 * overlapping [from, to), in order (the API plans a read from them).
 */
export const daysOverlapping = `
SELECT starts_at, ends_at, tz, compacted FROM rollup_days
WHERE site_id = $1 AND dim = 'total' AND starts_at < $3::timestamptz AND ends_at > $2::timestamptz
ORDER BY starts_at`;
