import { rollupReadSql } from '@beacon/db';
import { inRange, type Scope } from '../scope.js';

/**
 * Visitors, sessions, page views and events per hour/day/week (ISO, Monday)/month of the scope's
 * timezone; every bucket of the range is present, empty ones with zeros.
 * In: scope; `unit` placeholder holding 'hour' | 'day' | 'week' | 'month'.
 * Out: bucket (local time 'YYYY-MM-DDTHH24:MI:SS'), start (timestamptz), visitors, sessions, page_views, events.
 */
export const timeseries = (s: Scope, unit: string) => `
WITH buckets AS (
  SELECT b AS bucket
  FROM generate_series(date_trunc(${unit}, ${s.lo} AT TIME ZONE ${s.tz}),
                       (${s.hi} AT TIME ZONE ${s.tz}) - interval '1 microsecond',
                       ('1 ' || ${unit})::interval) AS b
), agg AS (
  SELECT date_trunc(${unit}, e.server_timestamp AT TIME ZONE ${s.tz}) AS bucket,
         count(DISTINCT e.client_id) AS visitors,
         count(DISTINCT e.session_id) AS sessions,
         count(*) FILTER (WHERE e.event_name = 'page_view') AS page_views,
         count(*) FILTER (WHERE ${rollupReadSql.countedEvent()}) AS events
  FROM events e
  WHERE ${inRange(s)}
  GROUP BY 1
)
SELECT to_char(b.bucket, 'YYYY-MM-DD"T"HH24:MI:SS') AS bucket,
       b.bucket AT TIME ZONE ${s.tz} AS start,
       coalesce(a.visitors, 0)::int AS visitors,
       coalesce(a.sessions, 0)::int AS sessions,
       coalesce(a.page_views, 0)::int AS page_views,
       coalesce(a.events, 0)::int AS events
FROM buckets b
LEFT JOIN agg a ON a.bucket = b.bucket
ORDER BY b.bucket`;
