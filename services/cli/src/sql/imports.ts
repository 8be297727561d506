/**
 * Statements of the aggregate importers (`beacon import plausible`; docs/compatible-intake.md). An
 * import stages the export's rows in a temporary table of its connection, groups them by day,
 * dimension and value, plans each day against what the site already holds, and writes the days it
 * may write into rollup_days (compacted: no hourly rows behind them) with a rollup_imports marker.
 */
import { rollupDaysSql } from '@beacon/db';

const { HLL_PARAMS, HLL_EMPTY } = rollupDaysSql;

/** The connection's staging table (temporary: gone with the connection). */
export const createStaging = `
CREATE TEMP TABLE IF NOT EXISTS beacon_import_rows (
  day date NOT NULL, dim text NOT NULL, value text,
  visitors bigint NOT NULL, sessions bigint NOT NULL, page_views bigint NOT NULL, events bigint NOT NULL,
  bounced bigint NOT NULL, viewing bigint NOT NULL, duration numeric NOT NULL
)`;

/** $1..$10: arrays of the DayRow fields, in createStaging's column order. */
export const stageRows = `
INSERT INTO beacon_import_rows
SELECT * FROM unnest($1::date[], $2::text[], $3::text[], $4::bigint[], $5::bigint[], $6::bigint[], $7::bigint[],
                     $8::bigint[], $9::bigint[], $10::numeric[])`;

export const dropDays = `DROP TABLE IF EXISTS beacon_import_days`;

/** The staged rows summed by day, dimension and value: one future rollup_days row each. */
export const groupDays = `
CREATE TEMP TABLE beacon_import_days AS
SELECT day, dim, value, sum(visitors)::bigint AS visitors, sum(sessions)::bigint AS sessions,
       sum(page_views)::bigint AS page_views, sum(events)::bigint AS events, sum(bounced)::bigint AS bounced,
       sum(viewing)::bigint AS viewing, sum(duration) AS duration
FROM beacon_import_rows
GROUP BY day, dim, value`;

export const indexDays = `CREATE INDEX ON beacon_import_days (day)`;

/** Out: first, last (YYYY-MM-DD or null), rows: the span of the grouped days. */
export const daysSpan = `
SELECT to_char(min(day), 'YYYY-MM-DD') AS first, to_char(max(day), 'YYYY-MM-DD') AS last, count(*)::int AS rows
FROM beacon_import_days`;

/** Local days [$3, $4] (dates, inclusive) of zone $2 as (day, s, e). */
const spanCte = `days AS (
  SELECT d::date AS day, (d::date::timestamp AT TIME ZONE $2) AS s, ((d::date + 1)::timestamp AT TIME ZONE $2) AS e
  FROM generate_series($3::date, $4::date, interval '1 day') d
)`;

/** The local days $3 (date[]) of zone $2 as (day, s, e). */
const listCte = `days AS (
  SELECT d AS day, (d::timestamp AT TIME ZONE $2) AS s, ((d + 1)::timestamp AT TIME ZONE $2) AS e
  FROM unnest($3::date[]) d
)`;

/** A day's figures in a stable text, hashed: what a second run compares. */
const fingerprint = `md5(string_agg(concat_ws(',', dim, quote_nullable(value), visitors, sessions, page_views, events,
                                      bounced, viewing, duration), E'\\n' ORDER BY dim, value NULLS FIRST))`;
const EMPTY_FINGERPRINT = `md5('')`;

/** The site holds figures of its own in [days.s, days.e): events, hourly rollups, or a frozen day with counts that no import wrote. */
const beaconData = `
     EXISTS (SELECT 1 FROM events ev WHERE ev.site_id = $1 AND ev.server_timestamp >= days.s AND ev.server_timestamp < days.e)
  OR EXISTS (SELECT 1 FROM rollup_sessions r WHERE r.site_id = $1 AND r.hour >= days.s AND r.hour < days.e)
  OR EXISTS (SELECT 1 FROM rollup_days d WHERE d.site_id = $1 AND d.dim = 'total' AND d.starts_at < days.e AND d.ends_at > days.s
               AND (d.visitors > 0 OR d.page_views > 0 OR d.events > 0)
               AND NOT EXISTS (SELECT 1 FROM rollup_imports m WHERE m.site_id = $1 AND m.starts_at = d.starts_at))`;

/**
 * $1 site, $2 tz, $3 first day, $4 last day (inclusive), $5 source. Out per local day, in order: day,
 * fingerprint, state: 'current' (not over yet), 'same' (imported before with the same figures),
 * 'beacon' (the site has data of its own there), 'changed' (imported before, other figures), 'new'.
 */
export const planDays = `
WITH ${spanCte}, fp AS (
  SELECT day, ${fingerprint} AS fingerprint
  FROM beacon_import_days WHERE day BETWEEN $3::date AND $4::date GROUP BY day
)
SELECT to_char(days.day, 'YYYY-MM-DD') AS day, COALESCE(fp.fingerprint, ${EMPTY_FINGERPRINT}) AS fingerprint,
       CASE
         WHEN days.e > now() THEN 'current'
         WHEN EXISTS (SELECT 1 FROM rollup_imports m WHERE m.site_id = $1 AND m.starts_at = days.s AND m.tz = $2
                        AND m.source = $5 AND m.fingerprint = COALESCE(fp.fingerprint, ${EMPTY_FINGERPRINT})) THEN 'same'
         WHEN ${beaconData} THEN 'beacon'
         WHEN EXISTS (SELECT 1 FROM rollup_imports m WHERE m.site_id = $1 AND m.starts_at < days.e AND m.ends_at > days.s) THEN 'changed'
         ELSE 'new'
       END AS state
FROM days LEFT JOIN fp USING (day)
ORDER BY days.day`;

/**
 * $1 site, $2 tz, $3 days (date[]). Out: day of those that hold the site's own data now (checked again
 * under the site's lock, just before writing).
 */
export const beaconDays = `
WITH ${listCte}
SELECT to_char(day, 'YYYY-MM-DD') AS day FROM days WHERE ${beaconData} ORDER BY day`;

/**
 * $1 site, $2 tz, $3 days (date[]). Removes what an import may replace there: earlier imports of those
 * days (markers and rows) and empty frozen days (a day Beacon froze with nothing in it).
 */
export const clearDays = `
WITH ${listCte}, gone AS (
  DELETE FROM rollup_imports m USING days
  WHERE m.site_id = $1 AND m.starts_at < days.e AND m.ends_at > days.s
  RETURNING m.starts_at
)
DELETE FROM rollup_days r USING days
WHERE r.site_id = $1 AND r.starts_at < days.e AND r.ends_at > days.s
  AND (r.starts_at IN (SELECT starts_at FROM gone)
       OR NOT EXISTS (SELECT 1 FROM rollup_days t WHERE t.site_id = $1 AND t.starts_at = r.starts_at AND t.dim = 'total'
                        AND (t.visitors > 0 OR t.page_views > 0 OR t.events > 0)))`;

/**
 * A sketch of `n` stand-in visitors (or sessions) of the day: the export has counts, not ids, so the
 * ids are 1..n hashed with a seed of its own per site, day and kind. Days never share a stand-in, so
 * the union over several days estimates the sum of the daily counts (what Plausible shows for
 * imported ranges too), within the sketch's error.
 */
const standIns = (n: string, kind: string) => `(
    SELECT COALESCE(hll_add_agg(hll_hash_bigint(i, hashtext($1::text || ':' || r.day || ':${kind}') & 2147483647), ${HLL_PARAMS}), ${HLL_EMPTY})
    FROM generate_series(1, ${n}) i)`;

/**
 * $1 site, $2 tz, $3 days (date[]). Writes the grouped rows of those days into rollup_days, compacted
 * (there are no hourly rows behind them), and a zero 'total' row for a day the export has no total of.
 * Out: rowCount.
 */
export const writeDays = `
WITH ${listCte}, picked AS (
  SELECT days.day, days.s, days.e, a.dim, a.value, a.visitors, a.sessions, a.page_views, a.events, a.bounced,
         a.viewing, a.duration
  FROM days JOIN beacon_import_days a ON a.day = days.day
  UNION ALL
  SELECT days.day, days.s, days.e, 'total', NULL, 0, 0, 0, 0, 0, 0, 0
  FROM days WHERE NOT EXISTS (SELECT 1 FROM beacon_import_days a WHERE a.day = days.day AND a.dim = 'total')
)
INSERT INTO rollup_days (site_id, starts_at, ends_at, day, tz, dim, value_key, value, visitors, sessions,
  page_views, events, bounced, viewing, duration_sum, exact, compacted, visitors_hll, sessions_hll)
SELECT $1::text, r.s, r.e, r.day, $2, r.dim, hashtextextended(row(r.value)::text, 0), r.value, r.visitors, r.sessions,
       r.page_views, r.events, r.bounced, r.viewing, r.duration, true, true,
       ${standIns('r.visitors', 'v')}, ${standIns('r.sessions', 's')}
FROM picked r
ORDER BY r.s, r.dim, hashtextextended(row(r.value)::text, 0)`;

/**
 * $1 site, $2 tz, $3 days (date[]). Adds the page and event names of those days' rows to the site's
 * names dictionary (rollup_name_dict, migration 0190; 0215): goal figures from days match a goal on
 * it and read only the matching names' day rows.
 */
export const addDayNames = `
INSERT INTO rollup_name_dict (site_id, kind, name_key, name)
SELECT DISTINCT ON (d.dim, d.value_key) d.site_id, CASE d.dim WHEN 'page' THEN 1 ELSE 2 END, d.value_key, d.value
FROM rollup_days d
WHERE d.site_id = $1 AND d.tz = $2 AND d.day = ANY($3::date[]) AND d.dim IN ('page', 'event')
ORDER BY d.dim, d.value_key
ON CONFLICT (site_id, kind, name_key) DO NOTHING`;

/** $1 site, $2 tz, $3 days (date[]), $4 fingerprints (text[]), $5 source. Marks the days imported. */
export const markDays = `
INSERT INTO rollup_imports (site_id, starts_at, ends_at, day, tz, source, fingerprint)
SELECT $1::varchar, (d::timestamp AT TIME ZONE $2), ((d + 1)::timestamp AT TIME ZONE $2), d, $2, $5, f
FROM unnest($3::date[], $4::text[]) AS x(d, f)`;

/**
 * $1 site. A site without events gets rollup coverage from -infinity (what the writer records for a
 * site's first event when it had none before): its hourly rollups hold everything, so ranges that run
 * on past the imported days are read from them.
 */
export const coverSite = `
INSERT INTO rollup_coverage (site_id, since)
SELECT $1::varchar, '-infinity' WHERE NOT EXISTS (SELECT 1 FROM events WHERE site_id = $1)
ON CONFLICT (site_id) DO NOTHING`;

/**
 * $1 site, $2 tz, $3 first imported day, $4 days. Freezes the $4 local days before the import as empty
 * days (what freezing a day without events writes), where the site is covered from -infinity and the
 * day has neither hourly rows nor a frozen row: a dashboard range that starts before the export's
 * first day then still reads the imported days (the read path needs a run of frozen days from the
 * range's start). Out: rowCount.
 */
export const freezeEmptyBefore = `
WITH days AS (
  SELECT d::date AS day, (d::date::timestamp AT TIME ZONE $2) AS s, ((d::date + 1)::timestamp AT TIME ZONE $2) AS e
  FROM generate_series($3::date - $4::int, $3::date - 1, interval '1 day') d
)
INSERT INTO rollup_days (site_id, starts_at, ends_at, day, tz, dim, value_key, value, visitors, sessions,
  page_views, events, bounced, viewing, duration_sum, visitors_hll, sessions_hll)
SELECT $1::varchar, days.s, days.e, days.day, $2, 'total', hashtextextended(row(NULL::text)::text, 0), NULL, 0, 0, 0, 0, 0, 0, 0,
       ${HLL_EMPTY}, ${HLL_EMPTY}
FROM days
WHERE (SELECT since FROM rollup_coverage WHERE site_id = $1) = '-infinity'
  AND NOT EXISTS (SELECT 1 FROM rollup_days r WHERE r.site_id = $1 AND r.dim = 'total' AND r.starts_at < days.e AND r.ends_at > days.s)
  AND NOT EXISTS (SELECT 1 FROM rollup_sessions r WHERE r.site_id = $1 AND r.hour >= days.s AND r.hour < days.e)
ORDER BY days.s`;

export const truncateStaging = `TRUNCATE beacon_import_rows`;
export const dropStaging = `DROP TABLE IF EXISTS beacon_import_rows, beacon_import_days`;
