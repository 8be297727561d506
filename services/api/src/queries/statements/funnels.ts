import { goalEventSql, pathMatchSql, type GoalDef } from '../goals.js';
import type { Params } from '../params.js';
import { countedEvent } from '@beacon/db';
import type { Scope } from '../scope.js';

/**
 * Funnels (docs/conversions.md; the per-unit walk is beacon_funnel, migrations/0083_funnels.sql).
 * Raw events of the range with the request's filters; a unit is a session (session_id) or a visitor
 * (client_id). Each event gets a step mask (bit k: it matches step k+1); beacon_funnel walks each
 * unit's matching events in (server_timestamp, id) order.
 */

/** A funnel step as the statement needs it. */
export type FunnelStepDef =
  | { type: 'goal'; goal: GoalDef }
  | { type: 'page'; page_regex: string }
  | { type: 'event'; event_name: string; property: { key: string; value: string } | null };

/** Breakdown dimensions of funnels → events column (the unit's first event of the range). */
export const FUNNEL_BREAKDOWNS = {
  channel: 'channel',
  device: 'device_type',
  country: 'country',
  company: 'company_name',
} as const;
export type FunnelBreakdown = keyof typeof FUNNEL_BREAKDOWNS;

function stepSql(p: Params, st: FunnelStepDef): string {
  if (st.type === 'goal') return goalEventSql(p, st.goal, 'e');
  if (st.type === 'page')
    return `(e.event_name = 'page_view' AND ${pathMatchSql(p, st.page_regex, 'e.page_path')})`;
  const prop = st.property
    ? ` AND e.properties ->> ${p.add(st.property.key)}::text = ${p.add(st.property.value)}::text`
    : '';
  return `(e.event_name = ${p.add(st.event_name)}${prop})`;
}

/** Whether a step is done by a page view (a page step or a page goal): its kind in the direct walk. */
const isPageStep = (st: FunnelStepDef) =>
  st.type === 'page' || (st.type === 'goal' && st.goal.kind === 'page');

/**
 * The visitor of an event of `src` (docs/conversions.md "Funnels"): the first user_id its client_id
 * carried among the events read (by time; `ids`, one row per client_id that had one), else the
 * client_id; prefixed so that a user id never equals a client id by chance.
 */
const VISITOR = `coalesce('u:' || ids.user_id, 'c:' || src.client_id)`;

export interface FunnelOptions {
  mode: 'session' | 'visitor';
  /** Visitor mode: the window in days. */
  windowDays: number | null;
  /** "Directly followed by": step k+1 must be the next event of its kind after step k. */
  direct: boolean;
  breakdown: FunnelBreakdown | null;
}

/**
 * In: scope, steps, options.
 * Out: rows (value, total, step, visitors, median_seconds): total = true for the funnel as a whole
 * (value null), false for one value of the breakdown; step 1..n; visitors = distinct visitors whose
 * unit reached the step; median_seconds = median time from the previous step (null for step 1).
 * Visitor mode reads events up to the window past the range end: step 1 must be in the range, the
 * later steps within the window of it, even past the end. Internal events never take part.
 */
export const funnel = (s: Scope, steps: readonly FunnelStepDef[], o: FunnelOptions) => {
  const { breakdown } = o;
  const unit = o.mode === 'session' ? 'src.session_id' : VISITOR;
  const mask = steps.map((st, k) => `CASE WHEN ${stepSql(s.p, st)} THEN ${1 << k} ELSE 0 END`).join(' + ');
  const pageSteps = s.p.add(steps.reduce((m, st, k) => (isPageStep(st) ? m | (1 << k) : m), 0));
  const win = o.mode === 'visitor' ? `${s.p.add(`${o.windowDays} days`)}::interval` : 'NULL::interval';
  const hi = o.mode === 'visitor' ? `${s.hi} + ${win}` : s.hi;
  const n = s.p.add(steps.length);
  const dim = breakdown ? `, e.${FUNNEL_BREAKDOWNS[breakdown]} AS dim` : '';
  // Direct mode needs every counted event (what lies between two steps matters), a breakdown the
  // unit's first event; otherwise only the events matching some step. Only units with a step-1 event
  // (starts) are walked.
  const keepAll = o.direct || breakdown !== null;
  const only = (col: string) => (keepAll && !o.direct ? `${col} FILTER (WHERE mask <> 0)` : col);
  // The events read: the same conditions for the step events (src) and for the visitors' user ids
  // (ids, through the partial index of events with a user_id, migrations/0191). Without keepAll only
  // the events matching a step are read (docs/query-plans.md "Funnels").
  const read = `e.site_id = ${s.site}
    AND e.server_timestamp >= ${s.lo} AND e.server_timestamp < ${hi}
    AND ${s.filters}
    AND ${countedEvent('e')}
    AND e.client_id IS NOT NULL AND ${o.mode === 'session' ? 'e.session_id IS NOT NULL' : 'true'}`;
  return `
WITH ids AS (
  SELECT DISTINCT ON (e.client_id) e.client_id, e.user_id
  FROM events e
  WHERE ${read} AND e.user_id IS NOT NULL
  ORDER BY e.client_id, e.server_timestamp, e.id
), src AS (
  SELECT e.client_id, e.session_id, e.server_timestamp AS ts, e.id, (${mask}) AS mask,
         CASE WHEN e.event_name = 'page_view' THEN 1 ELSE 2 END AS kind${dim}
  FROM events e
  WHERE ${read}${keepAll ? '' : `\n    AND (${mask}) <> 0`}
), ev AS (
  SELECT ${unit} AS unit, ${VISITOR} AS visitor, src.ts, src.id, src.mask, src.kind${breakdown ? ', src.dim' : ''},
         bool_or(src.mask & 1 = 1) OVER (PARTITION BY ${unit}) AS starts
  FROM src LEFT JOIN ids ON ids.client_id = src.client_id
), units AS (
  SELECT unit, min(visitor) AS visitor,
         beacon_funnel_walk(${only('array_agg(ts ORDER BY ts, id)')}, ${only('array_agg(mask ORDER BY ts, id)')},
                            ${only('array_agg(kind ORDER BY ts, id)')}, ${win}, ${n}::int, ${pageSteps}::int,
                            ${o.direct ? 'true' : 'false'}, ${s.hi}) AS times${
                              breakdown
                                ? `,
         ((array_agg(dim ORDER BY ts, id) FILTER (WHERE ts < ${s.hi}))[1])::text AS value`
                                : ''
                            }
  FROM ev
  WHERE starts
  GROUP BY unit
), per AS (
  SELECT visitor, times, cardinality(times) AS level, ${breakdown ? 'value' : 'NULL::text AS value'}
  FROM units
  WHERE cardinality(times) > 0
)
SELECT ${breakdown ? 'value, grouping(value) = 1 AS total' : 'NULL::text AS value, true AS total'}, k.k AS step,
       (count(DISTINCT visitor) FILTER (WHERE level >= k.k))::int AS visitors,
       percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM times[k.k] - times[k.k - 1])::float8)
         FILTER (WHERE level >= k.k AND k.k > 1) AS median_seconds
FROM per CROSS JOIN generate_series(1, ${n}::int) AS k(k)
GROUP BY ${breakdown ? 'GROUPING SETS ((k.k), (value, k.k))' : 'k.k'}
ORDER BY total DESC, value NULLS LAST, step`;
};
