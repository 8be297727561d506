import { goalEventSql, goalNamesFrom, goalRollupSql, goalValueSql, type GoalDef } from '../goals.js';
import { hoursOf, inHours, inRange, type Scope } from '../scope.js';
import { sessionEnd } from './breakdown.js';
import { distinct, sketch, type DaysScope } from './rollup-days.js';

/**
 * Goal conversions (docs/conversions.md), from raw events and from rollups. The two variants of each
 * question return the same columns and the same numbers: a goal's events are the same rows of
 * `events` as of rollup_names (kind 1 page views by page_path, kind 2 events by event_name), visitor
 * and session hashes stand for client_id and session_id, and 0 keys (no id) are left out as NULL ids are.
 */

/** Output columns per goal i: conversions_i, converters_i, value_i. */
const goalCols = (i: number) => ({ c: `conversions_${i}`, u: `converters_${i}`, v: `value_${i}` });

/**
 * A goal's output columns read from the per-goal counts `g` of the rollups, where no event values are
 * kept: a fixed value is conversions times the amount, any other mode has no value.
 */
function fixedValueCols(s: Pick<Scope, 'p'>, g: GoalDef, i: number): string {
  const n = goalCols(i);
  const v =
    g.value_mode === 'fixed'
      ? `(g.${n.c} * ${s.p.add(String(g.value_amount))}::numeric)::float8`
      : 'NULL::float8';
  return `g.${n.c}, g.${n.u}, ${v} AS ${n.v}`;
}

/**
 * Totals of each goal over the scope (events `e` with the request's filters).
 * Out: one row: visitors, then per goal i conversions_i, converters_i, value_i (float8 or null).
 */
export const goalTotals = (s: Scope, goals: readonly GoalDef[]) => {
  const cols = goals.flatMap((g, i) => {
    const cond = goalEventSql(s.p, g, 'e');
    const n = goalCols(i);
    const value =
      g.value_mode === 'none'
        ? 'NULL::float8'
        : `coalesce(sum(${goalValueSql(s.p, g, 'e')}) FILTER (WHERE ${cond}), 0)::float8`;
    return [
      `count(*) FILTER (WHERE ${cond})::int AS ${n.c}`,
      `count(DISTINCT e.client_id) FILTER (WHERE ${cond})::int AS ${n.u}`,
      `${value} AS ${n.v}`,
    ];
  });
  return `
SELECT count(DISTINCT e.client_id)::int AS visitors${cols.map((c) => `,\n       ${c}`).join('')}
FROM events e
WHERE ${inRange(s)}`;
};

/**
 * The same from rollups (goals that goalOnRollups; no filters but goal filters), as two statements the
 * API runs side by side on two connections: the range's visitors (goalVisitorsRollup, ~40 ms on the
 * bench's biggest site) and the goals' counts (goalCountsRollup, ~85 ms), so the answer waits for the
 * longer of the two instead of their sum. Only goal filters (chooseRead: not filterable), and no bot
 * rule: bots are never rolled up, and without it the range's visitors are read from the primary key
 * alone (index-only). Distinct visitors are counted with count(DISTINCT), a sort of bare keys per
 * aggregate: measured 1.6x faster than one hash aggregate per visitor, which the planner, misled by the
 * names' estimate, ran as a spilling sort of whole rows (docs/query-plans.md "Goal figures from rollups").
 * Out: one row: visitors.
 */
export const goalVisitorsRollup = (s: Scope) => {
  const visitorsFilter = s.namesFilters('rs');
  return `
SELECT count(DISTINCT rs.visitor_key)::int AS visitors
FROM rollup_sessions rs
WHERE ${hoursOf(s, 'rs')} AND rs.visitor_key <> 0${visitorsFilter === 'true' ? '' : ` AND ${visitorsFilter}`}`;
};

/**
 * Each goal's figures from rollups (see goalVisitorsRollup): every goal is matched on the site's names
 * dictionary (m: the matching names, a flag per goal), then only those names' rows of the range are
 * read (rollup_names_by_name). Out: one row: per goal i conversions_i, converters_i, value_i.
 */
export const goalCountsRollup = (s: Scope, goals: readonly GoalDef[]) => {
  const conds = goals.map((g) => goalRollupSql(s.p, g, 'd'));
  const cols = goals.flatMap((g, i) => {
    const n = goalCols(i);
    return [
      `coalesce(sum(r.count) FILTER (WHERE m.g${i}), 0)::int AS ${n.c}`,
      `(count(DISTINCT r.visitor_key) FILTER (WHERE m.g${i} AND r.visitor_key <> 0))::int AS ${n.u}`,
    ];
  });
  const values = goals.map((g, i) => fixedValueCols(s, g, i));
  const namesFilter = s.namesFilters('r');
  return `
WITH m AS (
  SELECT d.kind, d.name_key${conds.map((c, i) => `, ${c} AS g${i}`).join('')}
  FROM rollup_name_dict d
  WHERE d.site_id = ${s.site} AND (${conds.length ? conds.join(' OR ') : 'false'})
), g AS (
  SELECT ${cols.length ? cols.join(',\n         ') : '1 AS none'}
  FROM m JOIN rollup_names r ON r.site_id = ${s.site} AND r.kind = m.kind AND r.name_key = m.name_key
  WHERE ${hoursOf(s, 'r')}${namesFilter === 'true' ? '' : `\n    AND ${namesFilter}`}
)
SELECT ${values.length ? values.join(',\n       ') : 'NULL AS none'}
FROM g`;
};

/** Sessions of the range with a conversion of `g` (raw): CTE body, one column session_id. */
export const convertingSessions = (s: Scope, g: GoalDef) => `
  SELECT DISTINCT g.session_id
  FROM events g
  WHERE g.site_id = ${s.site} AND g.server_timestamp >= ${s.lo} AND g.server_timestamp < ${s.hi}
    AND g.visitor_type IS DISTINCT FROM 'bot' AND g.session_id IS NOT NULL
    AND ${goalEventSql(s.p, g, 'g')}`;

/** The same from rollup_names: one column session_key. */
export const convertingSessionsRollup = (s: Scope, g: GoalDef) => `
  SELECT DISTINCT g.session_key
  FROM ${goalNamesFrom(s.p, g, 'g', s.site)}
  WHERE ${hoursOf(s, 'g')} AND g.session_key <> 0`;

/** How a breakdown row's converters are counted: which rows, grouped how. */
export type ConverterSpec =
  | { from: 'events'; column: string; only: string | null }
  | { from: 'events'; perSession: 'ASC' | 'DESC' }
  | { from: 'rollup_sessions'; column: string; only: string | null }
  | { from: 'rollup_sessions'; perSession: 'ASC' | 'DESC' }
  | { from: 'rollup_names'; kind: 1 | 2 };

/** Per breakdown value: distinct visitors of the value's rows whose session converted (CTE `conv`). */
function converters(s: Scope, c: ConverterSpec): string {
  if (c.from === 'events') {
    if ('perSession' in c)
      return `
  SELECT x.page_path AS value, count(DISTINCT x.client_id) AS converters
  FROM (SELECT DISTINCT ON (e.session_id) e.session_id, e.client_id, e.page_path
        FROM events e
        WHERE ${inRange(s)} AND e.event_name = 'page_view' AND e.session_id IS NOT NULL
        ORDER BY e.session_id, e.server_timestamp ${c.perSession}, e.id ${c.perSession}) x
  JOIN conv ON conv.session_id = x.session_id
  GROUP BY x.page_path`;
    return `
  SELECT e.${c.column} AS value, count(DISTINCT e.client_id) AS converters
  FROM events e JOIN conv ON conv.session_id = e.session_id
  WHERE ${inRange(s)}${c.only ? ` AND ${c.only}` : ''}
  GROUP BY e.${c.column}`;
  }
  if (c.from === 'rollup_names') {
    const nf = s.namesFilters('r');
    return `
  SELECT r.name AS value, count(DISTINCT r.visitor_key) FILTER (WHERE r.visitor_key <> 0) AS converters
  FROM rollup_names r JOIN conv ON conv.session_key = r.session_key
  WHERE ${hoursOf(s, 'r')} AND r.kind = ${c.kind}${nf === 'true' ? '' : ` AND ${nf}`}
  GROUP BY r.name_key, r.name`;
  }
  if ('perSession' in c) {
    const end = sessionEnd(c.perSession);
    return `
  SELECT x.page_path AS value, count(DISTINCT x.visitor_key) FILTER (WHERE x.visitor_key <> 0) AS converters
  FROM (SELECT DISTINCT ON (rs.session_key) rs.session_key, rs.visitor_key, rs.${end.path} AS page_path
        FROM rollup_sessions rs
        WHERE ${inHours(s)} AND rs.session_key <> 0 AND rs.${end.at} IS NOT NULL
        ORDER BY rs.session_key, rs.${end.at} ${c.perSession}, rs.${end.id} ${c.perSession}) x
  JOIN conv ON conv.session_key = x.session_key
  GROUP BY x.page_path`;
  }
  return `
  SELECT rs.${c.column} AS value, count(DISTINCT rs.visitor_key) FILTER (WHERE rs.visitor_key <> 0) AS converters
  FROM rollup_sessions rs JOIN conv ON conv.session_key = rs.session_key
  WHERE ${inHours(s)}${c.only ? ` AND ${c.only}` : ''}
  GROUP BY rs.${c.column}`;
}

/**
 * A breakdown statement (its text, with ORDER BY and LIMIT) with two more columns for goal `g`:
 * converters (distinct visitors of the row whose session had a conversion of g in the range) and
 * conversion_rate (converters / visitors). `orderBy` is the breakdown's own (allow-listed) order.
 */
export const withConversions = (
  s: Scope,
  breakdownText: string,
  g: GoalDef,
  c: ConverterSpec,
  orderBy: string,
) => `
WITH conv AS (${c.from === 'events' ? convertingSessions(s, g) : convertingSessionsRollup(s, g)}
), b AS (${breakdownText}
), c AS (${converters(s, c)}
)
SELECT b.*, coalesce(c.converters, 0)::int AS converters,
       (coalesce(c.converters, 0)::float8 / nullif(b.visitors, 0)) AS conversion_rate
FROM b LEFT JOIN c ON c.value IS NOT DISTINCT FROM b.value
ORDER BY ${orderBy}`;

/**
 * Converters of goal `g` per value of one rollup_sessions column (every value of the range, no paging):
 * the statement the API runs beside the plain breakdown of that column (breakdownRollup), each on a
 * connection of its own, and joins by value (traffic.ts `withConvertersBeside`). Out: value, converters.
 */
export const convertersByColumnRollup = (s: Scope, column: string, only: string | null, g: GoalDef) => `
WITH conv AS (${convertingSessionsRollup(s, g)}
)${converters(s, { from: 'rollup_sessions', column, only })}`;

/**
 * The same from the per-day aggregates (rollup_days: 'page' / 'event' rows) plus rollup_names for the
 * recent edge [edge, hi) (docs/rollups.md, "Reading long ranges"; planned by days.ts, no filters).
 * Each goal is matched once per name of the site's names dictionary (m: the matching names, a flag
 * per goal; migration 0215 put every day row's name there), then only those names' day rows
 * (rollup_days_by_value) and edge rows (rollup_names_by_name) are read.
 * Conversions and values are exact sums; visitors and converters are exact when one piece holds them
 * (one frozen day and one matching name), else the cardinality of the union of the pieces' sketches.
 */
export const goalTotalsDays = (s: DaysScope, goals: readonly GoalDef[]) => {
  const edge = s.edge;
  const conds = goals.map((g) => goalRollupSql(s.p, g, 'd'));
  const flags = goals.map((g, i) => `m.g${i}`);
  const cols = goals.flatMap((g, i) => {
    const n = goalCols(i);
    const f = `FILTER (WHERE x.g${i})`;
    return [
      `coalesce(sum(x.n) ${f}, 0)::int AS ${n.c}`,
      `(CASE WHEN count(*) ${f} = 1 THEN sum(x.visitors) ${f}
             ELSE coalesce(round(hll_cardinality(hll_union_agg(x.visitors_hll) ${f})), 0) END)::int AS ${n.u}`,
    ];
  });
  const values = goals.map((g, i) => fixedValueCols(s, g, i));
  const days = `d.site_id = ${s.site} AND d.tz = ${s.tz} AND d.starts_at >= ${s.lo} AND d.ends_at <= ${edge}`;
  return `
WITH vparts AS (
  SELECT d.visitors::bigint AS visitors, d.visitors_hll FROM rollup_days d WHERE ${days} AND d.dim = 'total'
  UNION ALL
  SELECT ${distinct('rs.visitor_key')}, ${sketch('rs.visitor_key')}
  FROM rollup_sessions rs
  WHERE ${hoursOf(s, 'rs', edge)}
  HAVING count(*) > 0
), v AS (
  SELECT (CASE WHEN count(*) = 1 THEN sum(visitors) ELSE round(hll_cardinality(hll_union_agg(visitors_hll))) END)::int AS visitors
  FROM vparts
), m AS (
  SELECT d.kind, CASE d.kind WHEN 1 THEN 'page' ELSE 'event' END AS dim, d.name_key${conds.map((c, i) => `, ${c} AS g${i}`).join('')}
  FROM rollup_name_dict d
  WHERE d.site_id = ${s.site} AND (${conds.length ? conds.join(' OR ') : 'false'})
), x AS (
  SELECT ${flags.map((f) => `${f}, `).join('')}d.events AS n, d.visitors::bigint AS visitors, d.visitors_hll
  FROM m JOIN rollup_days d ON d.site_id = ${s.site} AND d.dim = m.dim AND d.value_key = m.name_key
  WHERE ${days}
  UNION ALL
  SELECT ${flags.map((f) => `${f}, `).join('')}sum(r.count), ${distinct('r.visitor_key')}, ${sketch('r.visitor_key')}
  FROM m JOIN rollup_names r ON r.site_id = ${s.site} AND r.kind = m.kind AND r.name_key = m.name_key
  WHERE ${hoursOf(s, 'r', edge)}
  GROUP BY m.kind, m.name_key${flags.map((f) => `, ${f}`).join('')}
), g AS (
  SELECT ${cols.length ? cols.join(',\n         ') : '1 AS none'}
  FROM x
)
SELECT coalesce(v.visitors, 0) AS visitors${values.map((c) => `,\n       ${c}`).join('')}
FROM v, g`;
};
