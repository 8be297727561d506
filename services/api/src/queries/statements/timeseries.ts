import { hoursOf, type Scope } from '../scope.js';
import { distinct, merged, sketch, type DaysScope } from './rollup-days.js';
import { countColumns, EVENTS, ROLLUP_SESSIONS, type TrafficSource } from './sources.js';

/**
 * Visitors, sessions, page views and events per hour/day/week (ISO, Monday)/month of the scope's
 * timezone; every bucket of the range is present, empty ones with zeros. From raw events, from the
 * hourly rollups, or (day, week, month) from the per-day aggregates.
 * In: scope; `unit` placeholder holding 'hour' | 'day' | 'week' | 'month'.
 * Out: bucket (local time 'YYYY-MM-DDTHH24:MI:SS'), start (timestamptz), visitors, sessions, page_views, events.
 */

/** CTE `buckets`: every bucket of the range, in local time. */
const buckets = (s: Pick<Scope, 'tz' | 'lo' | 'hi'>, unit: string) => `buckets AS (
  SELECT b AS bucket
  FROM generate_series(date_trunc(${unit}, ${s.lo} AT TIME ZONE ${s.tz}),
                       (${s.hi} AT TIME ZONE ${s.tz}) - interval '1 microsecond',
                       ('1 ' || ${unit})::interval) AS b
)`;

/** The answer: every bucket joined with CTE `agg` (bucket, visitors, sessions, page_views, events). */
const series = (s: Pick<Scope, 'tz'>, parts = '') => `
SELECT to_char(b.bucket, 'YYYY-MM-DD"T"HH24:MI:SS') AS bucket,
       b.bucket AT TIME ZONE ${s.tz} AS start,
       coalesce(a.visitors, 0)::int AS visitors,
       coalesce(a.sessions, 0)::int AS sessions,
       coalesce(a.page_views, 0)::int AS page_views,
       coalesce(a.events, 0)::int AS events${parts}
FROM buckets b
LEFT JOIN agg a ON a.bucket = b.bucket
ORDER BY b.bucket`;

/** The series from a source: CTE `agg`, the source's counts per bucket of its rows' instants. */
const seriesFrom = (src: TrafficSource) => (s: Scope, unit: string) => `
WITH ${buckets(s, unit)}, agg AS (
  SELECT date_trunc(${unit}, ${src.at} AT TIME ZONE ${s.tz}) AS bucket,
         ${countColumns(src, '', '         ')}
  FROM ${src.from}
  WHERE ${src.where(s)}
  GROUP BY 1
)${series(s)}`;

/** From events. */
export const timeseries = seriesFrom(EVENTS);

/** From the hourly rollups. */
export const timeseriesRollup = seriesFrom(ROLLUP_SESSIONS);

/** From frozen days plus the hourly edge (day, week or month; no filters). Out: as above, plus parts. */
export const timeseriesDays = (s: DaysScope, unit: string) => `
WITH ${buckets(s, unit)}, parts AS (
  SELECT date_trunc(${unit}, d.starts_at AT TIME ZONE ${s.tz}) AS bucket, d.visitors::bigint AS visitors,
         d.sessions::bigint AS sessions, d.page_views::numeric AS page_views, d.events::numeric AS events,
         d.visitors_hll, d.sessions_hll
  FROM rollup_days d
  WHERE d.site_id = ${s.site} AND d.dim = 'total' AND d.tz = ${s.tz} AND d.starts_at >= ${s.lo} AND d.ends_at <= ${s.edge}
  UNION ALL
  SELECT date_trunc(${unit}, rs.hour AT TIME ZONE ${s.tz}), ${distinct('rs.visitor_key')}, ${distinct('rs.session_key')},
         sum(rs.page_views), sum(rs.events), ${sketch('rs.visitor_key')}, ${sketch('rs.session_key')}
  FROM rollup_sessions rs
  WHERE ${hoursOf(s, 'rs', s.edge)}
  GROUP BY 1
), agg AS (
  SELECT bucket, count(*) AS parts, ${merged('visitors')} AS visitors, ${merged('sessions')} AS sessions,
         sum(page_views) AS page_views, sum(events) AS events
  FROM parts GROUP BY bucket
)${series(s, ',\n       coalesce(a.parts, 0)::int AS parts')}`;
