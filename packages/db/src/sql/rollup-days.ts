/**
 * Anonymous per-day aggregates (table: migrations/0130_rollup_days.sql; design: docs/rollups.md,
 * "Per-day aggregates and compaction"). Built from the hourly rollups of a site's local days; the
 * `withSketch` variants also fill the HyperLogLog columns (only where the `hll` extension exists).
 */
import { ROLLUP_DIMENSIONS, ROLLUP_LOCK_SPACE } from './rollups.js';

/** Out: hll (boolean): rollup_days has the sketch columns (extension present when 0130 ran). */
export const sketchColumns = `
SELECT EXISTS (SELECT 1 FROM information_schema.columns
               WHERE table_name = 'rollup_days' AND column_name = 'visitors_hll'
                 AND table_schema = current_schema()) AS hll`;

/** $1 site. Out: tz: the site's configured timezone when PostgreSQL knows it, else 'UTC'. */
export const siteZone = `
SELECT COALESCE((SELECT s.config->>'timezone' FROM sites s
                 WHERE s.script_id = $1 AND s.config->>'timezone' IN (SELECT name FROM pg_timezone_names)), 'UTC') AS tz`;

/** $1 site. Same exclusive advisory lock as a rebuild: the site's writers wait for the transaction. */
export const lockSite = `SELECT pg_advisory_xact_lock(${ROLLUP_LOCK_SPACE}, hashtext($1))`;

/** Local days [$3 date, $4 date) of zone $2 as (day, s, e) instants. */
const daysCte = `days AS (
  SELECT d::date AS day, (d::date::timestamp AT TIME ZONE $2) AS s, ((d::date + 1)::timestamp AT TIME ZONE $2) AS e
  FROM generate_series($3::date, $4::date - 1, interval '1 day') d
)`;

/** $1 site, $2 tz, $3 first day, $4 day after the last. Deletes the days' rows that are not compacted. */
export const deleteUncompacted = `
WITH ${daysCte}
DELETE FROM rollup_days r USING days
WHERE r.site_id = $1 AND r.starts_at = days.s AND NOT r.compacted`;

/**
 * Sketch parameters (log2m, regwidth, expthresh, sparseon): 2^11 registers of 5 bits (standard error
 * 1.04/sqrt(2048) = 2.3%), and expthresh 0: never the "explicit" representation, which would store
 * the hashed keys themselves (hll_hash_bigint of a visitor hash is recomputable from a client_id).
 * Every sketch that is ever unioned with another must use the same parameters.
 */
export const HLL_PARAMS = '11, 5, 0, 1';
/** An empty sketch with HLL_PARAMS. */
export const HLL_EMPTY = `hll_empty(${HLL_PARAMS})`;
/** The sketch of the non-zero keys of column expression `key`. */
export const sketchOf = (key: string) =>
  `COALESCE(hll_add_agg(hll_hash_bigint(${key}), ${HLL_PARAMS}) FILTER (WHERE ${key} <> 0), ${HLL_EMPTY})`;
const sketch = sketchOf;

/**
 * $1 site, $2 tz, $3 first day, $4 day after the last (dates). Computes the days' aggregates from the
 * hourly rollups and inserts them; a day already compacted gets the (late) hourly rows added on top
 * (counters add, sketches union, distinct counts then marked inexact). Out: rowCount.
 */
export const freezeDays = (withSketch: boolean) => {
  const sk = withSketch ? ', visitors_hll, sessions_hll' : '';
  const dimValues = [`('total', NULL::text)`, ...ROLLUP_DIMENSIONS.map((d) => `('${d}', r.${d})`)].join(', ');
  return `
WITH ${daysCte},
rs AS MATERIALIZED (
  SELECT days.day, days.s, days.e, r.*
  FROM days JOIN rollup_sessions r ON r.site_id = $1 AND r.hour >= days.s AND r.hour < days.e
), per_session AS (
  SELECT day, session_key, sum(page_views) AS page_views,
         extract(epoch FROM max(last_at) - min(first_at)) AS duration
  FROM rs WHERE session_key <> 0
  GROUP BY day, session_key
), sess AS (
  SELECT day, count(*) FILTER (WHERE page_views = 1) AS bounced,
         count(*) FILTER (WHERE page_views >= 1) AS viewing,
         COALESCE(sum(duration), 0) AS duration_sum
  FROM per_session GROUP BY day
), by_dim AS (
  SELECT r.day, r.s, r.e, v.dim, v.value,
         count(DISTINCT r.visitor_key) FILTER (WHERE r.visitor_key <> 0) AS visitors,
         count(DISTINCT r.session_key) FILTER (WHERE r.session_key <> 0) AS sessions,
         sum(r.page_views) AS page_views, sum(r.events) AS events
         ${withSketch ? `, ${sketch('r.visitor_key')} AS visitors_hll, ${sketch('r.session_key')} AS sessions_hll` : ''}
  FROM rs r CROSS JOIN LATERAL (VALUES ${dimValues}) AS v(dim, value)
  GROUP BY r.day, r.s, r.e, v.dim, v.value
), by_name AS (
  SELECT days.day, days.s, days.e, CASE n.kind WHEN 1 THEN 'page' ELSE 'event' END AS dim, n.name AS value,
         count(DISTINCT n.visitor_key) FILTER (WHERE n.visitor_key <> 0) AS visitors,
         count(DISTINCT n.session_key) FILTER (WHERE n.session_key <> 0) AS sessions,
         CASE WHEN n.kind = 1 THEN sum(n.count) ELSE 0 END AS page_views, sum(n.count) AS events
         ${withSketch ? `, ${sketch('n.visitor_key')} AS visitors_hll, ${sketch('n.session_key')} AS sessions_hll` : ''}
  FROM days JOIN rollup_names n ON n.site_id = $1 AND n.hour >= days.s AND n.hour < days.e
  GROUP BY days.day, days.s, days.e, n.kind, n.name_key, n.name
), empty AS (
  -- Days without any event still get their 'total' row: the read path needs every day of a run frozen.
  SELECT days.day, days.s, days.e, 'total' AS dim, NULL::text AS value, 0::bigint AS visitors, 0::bigint AS sessions,
         0::bigint AS page_views, 0::bigint AS events${withSketch ? `, ${HLL_EMPTY} AS visitors_hll, ${HLL_EMPTY} AS sessions_hll` : ''}
  FROM days WHERE NOT EXISTS (SELECT 1 FROM rs WHERE rs.day = days.day)
), all_rows AS (
  SELECT * FROM by_dim UNION ALL SELECT * FROM by_name UNION ALL SELECT * FROM empty
)
INSERT INTO rollup_days AS d (site_id, starts_at, ends_at, day, tz, dim, value_key, value, visitors, sessions,
  page_views, events, bounced, viewing, duration_sum${sk})
SELECT $1, a.s, a.e, a.day, $2, a.dim, hashtextextended(row(a.value)::text, 0), a.value, a.visitors, a.sessions,
       a.page_views, a.events,
       CASE WHEN a.dim = 'total' THEN COALESCE(x.bounced, 0) ELSE 0 END,
       CASE WHEN a.dim = 'total' THEN COALESCE(x.viewing, 0) ELSE 0 END,
       CASE WHEN a.dim = 'total' THEN COALESCE(x.duration_sum, 0) ELSE 0 END${withSketch ? ', a.visitors_hll, a.sessions_hll' : ''}
FROM all_rows a LEFT JOIN sess x ON x.day = a.day
ORDER BY a.s, a.dim, hashtextextended(row(a.value)::text, 0)
ON CONFLICT (site_id, starts_at, dim, value_key) DO UPDATE SET
  visitors = d.visitors + EXCLUDED.visitors,
  sessions = d.sessions + EXCLUDED.sessions,
  page_views = d.page_views + EXCLUDED.page_views,
  events = d.events + EXCLUDED.events,
  bounced = d.bounced + EXCLUDED.bounced,
  viewing = d.viewing + EXCLUDED.viewing,
  duration_sum = d.duration_sum + EXCLUDED.duration_sum,
  exact = false,
  frozen_at = now()${
    withSketch
      ? `,
  visitors_hll = hll_union(d.visitors_hll, EXCLUDED.visitors_hll),
  sessions_hll = hll_union(d.sessions_hll, EXCLUDED.sessions_hll)`
      : ''
  }`;
};

/** $1 site, $2 tz, $3 first day, $4 day after the last: marks those days compacted. Out: rowCount. */
export const markCompacted = `
WITH ${daysCte}
UPDATE rollup_days r SET compacted = true FROM days
WHERE r.site_id = $1 AND r.starts_at = days.s AND NOT r.compacted`;

/**
 * $1 site, $2 from, $3 to (instants): deletes the hourly per-session rows of [from, to) whose day is
 * compacted (their counts are in rollup_days). Out: rowCount.
 */
export const deleteFoldedSessions = `
DELETE FROM rollup_sessions r
WHERE r.site_id = $1 AND r.hour >= $2::timestamptz AND r.hour < $3::timestamptz
  AND EXISTS (SELECT 1 FROM rollup_days d WHERE d.site_id = r.site_id AND d.dim = 'total' AND d.compacted
              AND d.starts_at <= r.hour AND d.ends_at > r.hour)`;
/** As deleteFoldedSessions, for rollup_names. */
export const deleteFoldedNames = `
DELETE FROM rollup_names r
WHERE r.site_id = $1 AND r.hour >= $2::timestamptz AND r.hour < $3::timestamptz
  AND EXISTS (SELECT 1 FROM rollup_days d WHERE d.site_id = r.site_id AND d.dim = 'total' AND d.compacted
              AND d.starts_at <= r.hour AND d.ends_at > r.hour)`;

/** $1 tz, $2 from, $3 to (instants). Out: lo, hi (dates): the local days [lo, hi) covering [from, to). */
export const localDaysOf = `
SELECT to_char(($2::timestamptz AT TIME ZONE $1)::date, 'YYYY-MM-DD') AS lo,
       to_char((($3::timestamptz - interval '1 microsecond') AT TIME ZONE $1)::date + 1, 'YYYY-MM-DD') AS hi`;

/** $1 site, $2 before (instant). Out: first (timestamptz or null): earliest hourly row before $2. */
export const firstHourBefore = `
SELECT min(hour) AS first FROM rollup_sessions WHERE site_id = $1 AND hour < $2::timestamptz`;

/**
 * $1 site, $2 tz, $3 from, $4 to (instants). Out: starts_at, ends_at of the frozen local days of `tz`
 * inside [from, to), in order (the read path uses a run of them from `from`).
 */
export const frozenDays = `
SELECT starts_at, ends_at FROM rollup_days
WHERE site_id = $1 AND dim = 'total' AND tz = $2 AND starts_at >= $3::timestamptz AND ends_at <= $4::timestamptz
ORDER BY starts_at`;

/** $1 tz, $2 first day, $3 day after the last. Out: s, e: the instants of those local midnights. */
export const daySpan = `
SELECT ($2::date::timestamp AT TIME ZONE $1) AS s, ($3::date::timestamp AT TIME ZONE $1) AS e`;

/** No parameters. Out: site_id, since of every site whose hourly rollups are complete from `since`. */
export const coveredSites = `SELECT site_id, since::text AS since FROM rollup_coverage ORDER BY site_id`;

/**
 * $1 tz, $2 now, $3 days, $4 since (coverage). Out: lo, hi: the last $3 complete local days before $2,
 * from the first local midnight at or after `since` (days the hourly rollups hold completely).
 */
export const recentDays = `
SELECT GREATEST(((($2::timestamptz AT TIME ZONE $1)::date - $3::int)::timestamp AT TIME ZONE $1),
                CASE WHEN $4::timestamptz = date_trunc('day', $4::timestamptz, $1) THEN $4::timestamptz
                     ELSE ((date_trunc('day', $4::timestamptz, $1) AT TIME ZONE $1) + interval '1 day') AT TIME ZONE $1 END) AS lo,
       ((($2::timestamptz AT TIME ZONE $1)::date)::timestamp AT TIME ZONE $1) AS hi`;

/** $1 site, $2 tz, $3 now. Out: first (local day of the earliest hourly row, or null), today (local). */
export const siteDayBounds = `
SELECT to_char((SELECT min(hour) FROM rollup_sessions WHERE site_id = $1) AT TIME ZONE $2, 'YYYY-MM-DD') AS first,
       to_char($3::timestamptz AT TIME ZONE $2, 'YYYY-MM-DD') AS today`;
