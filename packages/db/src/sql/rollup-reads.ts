/**
 * Dashboard questions answered from rollups (tables: migrations/0050_rollups.sql). Each statement
 * returns exactly the columns, types and order of the API's raw-events statement of the same name
 * (services/api/src/queries/statements/*.ts) and the same numbers (docs/metrics.md), provided that:
 * `lo`/`hi` (and `prevLo`) are whole UTC hours, the timezone's offset is a whole number of hours, the
 * site's rollup_coverage starts at or before the range, and the filters are only on columns of
 * rollup_sessions (ROLLUP_FILTER_KEYS; none at all for rollup_names statements) and never ask for bots.
 * The API checks that (services/api/src/queries/rollups.ts) and answers from events otherwise.
 * rollup_sessions is aliased `e` so that the API's filter fragment (written for events `e`) applies.
 *
 * Placeholders come from the caller's scope (`site`, `tz`, `lo`, `hi`, `prevLo`: SQL expressions holding
 * only placeholders); `column`/`only` come from ROLLUP_BREAKDOWNS (constants), `orderBy` from the API's
 * allow-listed sort keys.
 */

/**
 * Events the tracker sends on its own to carry measurements or identities, not actions of the visitor:
 * `engagement` (time on page, scroll depth; docs/tracker.md) and `identify`. They are stored like any
 * event but are neither custom events nor counted in "events" (docs/metrics.md).
 */
export const INTERNAL_EVENTS = ['engagement', 'identify'] as const;

/** SQL condition: the event of alias `e` counts as an event (not internal). Constant text. */
export const countedEvent = (alias = 'e') =>
  `${alias}.event_name NOT IN (${INTERNAL_EVENTS.map((n) => `'${n}'`).join(', ')})`;

/** SQL condition: a custom event (neither a page view nor internal). Constant text. */
export const customEvent = (alias = 'e') => `${alias}.event_name <> 'page_view' AND ${countedEvent(alias)}`;

export interface RollupScope {
  site: string;
  readonly tz: string;
  lo: string;
  hi: string;
  readonly prevLo: string;
  /** Conditions on alias `e` (the API's filter fragment), to follow an AND. */
  filters: string;
  /** Visitor-level conditions (goal filters) on a rollup_names alias; 'true' when none. */
  namesFilters?: (alias: string) => string;
}

/** `AND <names filters>` for rollup_names alias `alias`, or nothing. */
const namesFiltered = (s: RollupScope, alias: string) => {
  const f = s.namesFilters?.(alias) ?? 'true';
  return f === 'true' ? '' : ` AND ${f}`;
};

/**
 * The overview's metric definitions (docs/metrics.md, "Traffic metrics"), shared by the raw-event
 * statement (services/api) and the rollup one so the two cannot drift. Needs CTEs `per_session` (cur,
 * page_views, duration) and `totals` (cur, visitors, page_views, events) before it; a CTE list ends with it.
 */
export const OVERVIEW_METRICS = `sess AS (
  SELECT cur,
         count(*) AS sessions,
         count(*) FILTER (WHERE page_views = 1) AS bounced,
         count(*) FILTER (WHERE page_views >= 1) AS viewing,
         avg(duration) AS avg_duration
  FROM per_session
  GROUP BY cur
)
SELECT CASE WHEN p.cur THEN 'current' ELSE 'previous' END AS period,
       coalesce(t.visitors, 0)::int AS visitors,
       coalesce(s.sessions, 0)::int AS sessions,
       coalesce(t.page_views, 0)::int AS page_views,
       coalesce(t.events, 0)::int AS events,
       coalesce(s.bounced, 0)::int AS bounced_sessions,
       coalesce(s.viewing, 0)::int AS viewing_sessions,
       (s.bounced::float8 / nullif(s.viewing, 0)) AS bounce_rate,
       round(s.avg_duration, 3)::float8 AS avg_session_duration
FROM (VALUES (true), (false)) AS p(cur)
LEFT JOIN totals t ON t.cur = p.cur
LEFT JOIN sess s ON s.cur = p.cur
ORDER BY p.cur DESC`;

/**
 * Filter keys (API query parameters) whose column rollup_sessions has under the same name: every
 * event of a rollup_sessions row has the same value, so filtering rows is filtering events.
 */
export const ROLLUP_FILTER_KEYS: ReadonlySet<string> = new Set([
  'country',
  'device_type',
  'browser',
  'os',
  'visitor_type',
  'referrer_domain',
  'referrer_class',
  'channel',
  'utm_source',
  'utm_medium',
  'utm_campaign',
  'company_name',
  'company_domain',
  'company_industry',
]);

/** Breakdown dimension (API name) → rollup_sessions column and extra condition, or rollup_names kind. */
export const ROLLUP_BREAKDOWNS: Record<string, { column: string; only: string | null } | { kind: 1 | 2 }> = {
  pages: { kind: 1 },
  events: { kind: 2 },
  referrers: { column: 'referrer_domain', only: null },
  referrer_classes: { column: 'referrer_class', only: null },
  channels: { column: 'channel', only: null },
  utm_sources: { column: 'utm_source', only: null },
  utm_mediums: { column: 'utm_medium', only: null },
  utm_campaigns: { column: 'utm_campaign', only: null },
  countries: { column: 'country', only: null },
  devices: { column: 'device_type', only: null },
  browsers: { column: 'browser', only: null },
  os: { column: 'os', only: null },
  companies: { column: 'company_name', only: 'e.company_name IS NOT NULL' },
  industries: { column: 'company_industry', only: 'e.company_industry IS NOT NULL' },
  visitor_types: { column: 'visitor_type', only: null },
};

const rangeOf = (s: RollupScope, lo = s.lo, alias = 'e') =>
  `${alias}.site_id = ${s.site} AND ${alias}.hour >= ${lo} AND ${alias}.hour < ${s.hi}`;
/** rollup_sessions `e` in the range, with the request's filters. */
const sessionsIn = (s: RollupScope, lo = s.lo) => `${rangeOf(s, lo)}
  AND ${s.filters}`;

/** Overview of the range and the previous period. Out: as statements/overview.ts. */
export const overview = (s: RollupScope) => `
WITH r AS (
  SELECT e.hour >= ${s.lo} AS cur, e.session_key, e.visitor_key, e.page_views, e.events, e.first_at, e.last_at
  FROM rollup_sessions e
  WHERE ${sessionsIn(s, s.prevLo)}
), per_session AS (
  SELECT cur, session_key,
         sum(page_views) AS page_views,
         extract(epoch FROM max(last_at) - min(first_at)) AS duration
  FROM r
  WHERE session_key <> 0
  GROUP BY cur, session_key
), totals AS (
  SELECT cur,
         count(DISTINCT visitor_key) FILTER (WHERE visitor_key <> 0) AS visitors,
         sum(page_views) AS page_views,
         sum(events) AS events
  FROM r
  GROUP BY cur
), ${OVERVIEW_METRICS}`;

/** Time series; `unit` placeholder 'hour' | 'day' | 'week' | 'month'. Out: as statements/timeseries.ts. */
export const timeseries = (s: RollupScope, unit: string) => `
WITH buckets AS (
  SELECT b AS bucket
  FROM generate_series(date_trunc(${unit}, ${s.lo} AT TIME ZONE ${s.tz}),
                       (${s.hi} AT TIME ZONE ${s.tz}) - interval '1 microsecond',
                       ('1 ' || ${unit})::interval) AS b
), agg AS (
  SELECT date_trunc(${unit}, e.hour AT TIME ZONE ${s.tz}) AS bucket,
         count(DISTINCT e.visitor_key) FILTER (WHERE e.visitor_key <> 0) AS visitors,
         count(DISTINCT e.session_key) FILTER (WHERE e.session_key <> 0) AS sessions,
         sum(e.page_views) AS page_views,
         sum(e.events) AS events
  FROM rollup_sessions e
  WHERE ${sessionsIn(s)}
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

/** Breakdown by a rollup_sessions column. Out: value, visitors, sessions, page_views, events. */
export const breakdown = (
  s: RollupScope,
  column: string,
  only: string | null,
  orderBy: string,
  limit: string,
  offset: string,
) => `
SELECT e.${column} AS value,
       (count(DISTINCT e.visitor_key) FILTER (WHERE e.visitor_key <> 0))::int AS visitors,
       (count(DISTINCT e.session_key) FILTER (WHERE e.session_key <> 0))::int AS sessions,
       sum(e.page_views)::int AS page_views,
       sum(e.events)::int AS events
FROM rollup_sessions e
WHERE ${sessionsIn(s)}
  ${only ? `AND ${only}` : ''}
GROUP BY e.${column}
ORDER BY ${orderBy}
LIMIT ${limit} OFFSET ${offset}`;

/** Pages (kind 1: page_views = events = views) or custom events (kind 2: page_views = 0). */
export const namesBreakdown = (
  s: RollupScope,
  kind: 1 | 2,
  orderBy: string,
  limit: string,
  offset: string,
) => `
SELECT r.name AS value,
       (count(DISTINCT r.visitor_key) FILTER (WHERE r.visitor_key <> 0))::int AS visitors,
       (count(DISTINCT r.session_key) FILTER (WHERE r.session_key <> 0))::int AS sessions,
       ${kind === 1 ? 'sum(r.count)::int' : '0'} AS page_views,
       sum(r.count)::int AS events
FROM rollup_names r
WHERE ${rangeOf(s, s.lo, 'r')} AND r.kind = ${kind}${namesFiltered(s, 'r')}
GROUP BY r.name_key, r.name
ORDER BY ${orderBy}
LIMIT ${limit} OFFSET ${offset}`;

/** Entry ('ASC') or exit ('DESC') pages. Out: as statements/breakdown.ts entryExit. */
export const entryExit = (
  s: RollupScope,
  direction: 'ASC' | 'DESC',
  orderBy: string,
  limit: string,
  offset: string,
) => {
  const [path, at, id] =
    direction === 'ASC' ? ['entry_path', 'entry_at', 'entry_id'] : ['exit_path', 'exit_at', 'exit_id'];
  return `
WITH ends AS (
  SELECT DISTINCT ON (e.session_key) e.session_key, e.visitor_key, e.${path} AS page_path
  FROM rollup_sessions e
  WHERE ${sessionsIn(s)} AND e.session_key <> 0 AND e.${at} IS NOT NULL
  ORDER BY e.session_key, e.${at} ${direction}, e.${id} ${direction}
)
SELECT page_path AS value,
       (count(DISTINCT visitor_key) FILTER (WHERE visitor_key <> 0))::int AS visitors,
       count(*)::int AS sessions,
       NULL::int AS page_views,
       NULL::int AS events
FROM ends
GROUP BY page_path
ORDER BY ${orderBy}
LIMIT ${limit} OFFSET ${offset}`;
};

/** Companies seen in the range. Out: as statements/companies.ts companyList. */
export const companyList = (s: RollupScope, orderBy: string, limit: string, offset: string) => `
SELECT e.company_name AS name,
       e.company_domain AS domain,
       max(e.company_industry) AS industry,
       (count(DISTINCT e.visitor_key) FILTER (WHERE e.visitor_key <> 0))::int AS visitors,
       (count(DISTINCT e.session_key) FILTER (WHERE e.session_key <> 0))::int AS sessions,
       sum(e.page_views)::int AS page_views,
       sum(e.events)::int AS events,
       min(e.first_at) AS first_seen,
       max(e.last_at) AS last_seen
FROM rollup_sessions e
WHERE ${sessionsIn(s)}
  AND e.company_name IS NOT NULL
GROUP BY e.company_name, e.company_domain
ORDER BY ${orderBy}
LIMIT ${limit} OFFSET ${offset}`;
