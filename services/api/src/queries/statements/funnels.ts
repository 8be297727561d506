import { goalEventSql, type GoalDef } from '../goals.js';
import type { Params } from '../params.js';
import { inRange, type Scope } from '../scope.js';

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
  if (st.type === 'page') return `(e.event_name = 'page_view' AND e.page_path ~ ${p.add(st.page_regex)})`;
  const prop = st.property
    ? ` AND e.properties ->> ${p.add(st.property.key)}::text = ${p.add(st.property.value)}::text`
    : '';
  return `(e.event_name = ${p.add(st.event_name)}${prop})`;
}

/**
 * In: scope, steps, mode, window days (visitor mode), breakdown or null.
 * Out: rows (value, total, step, visitors, median_seconds): total = true for the funnel as a whole
 * (value null), false for one value of the breakdown; step 1..n; visitors = distinct visitors whose
 * unit reached the step; median_seconds = median time from the previous step (null for step 1).
 */
export const funnel = (
  s: Scope,
  steps: readonly FunnelStepDef[],
  mode: 'session' | 'visitor',
  windowDays: number | null,
  breakdown: FunnelBreakdown | null,
) => {
  const unit = mode === 'session' ? 'e.session_id' : 'e.client_id';
  const mask = steps.map((st, k) => `CASE WHEN ${stepSql(s.p, st)} THEN ${1 << k} ELSE 0 END`).join(' + ');
  const win = mode === 'visitor' ? `${s.p.add(`${windowDays} days`)}::interval` : 'NULL::interval';
  const n = s.p.add(steps.length);
  const dim = breakdown ? `, e.${FUNNEL_BREAKDOWNS[breakdown]} AS dim` : '';
  const only = (col: string) => (breakdown ? `${col} FILTER (WHERE mask <> 0)` : col);
  return `
WITH ev AS (
  SELECT ${unit} AS unit, e.client_id, e.server_timestamp AS ts, e.id, (${mask}) AS mask${dim}
  FROM events e
  WHERE ${inRange(s)} AND ${unit} IS NOT NULL
), units AS (
  SELECT unit, min(client_id) AS client_id,
         beacon_funnel(${only('array_agg(ts ORDER BY ts, id)')}, ${only('array_agg(mask ORDER BY ts, id)')},
                       ${win}, ${n}::int) AS times${breakdown ? `,\n         (array_agg(dim ORDER BY ts, id))[1]::text AS value` : ''}
  FROM ev
  ${breakdown ? '' : 'WHERE mask <> 0\n  '}GROUP BY unit
), per AS (
  SELECT client_id, times, cardinality(times) AS level, ${breakdown ? 'value' : 'NULL::text AS value'}
  FROM units
  WHERE cardinality(times) > 0
)
SELECT ${breakdown ? 'value, grouping(value) = 1 AS total' : 'NULL::text AS value, true AS total'}, k.k AS step,
       (count(DISTINCT client_id) FILTER (WHERE level >= k.k))::int AS visitors,
       percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM times[k.k] - times[k.k - 1])::float8)
         FILTER (WHERE level >= k.k AND k.k > 1) AS median_seconds
FROM per CROSS JOIN generate_series(1, ${n}::int) AS k(k)
GROUP BY ${breakdown ? 'GROUPING SETS ((k.k), (value, k.k))' : 'k.k'}
ORDER BY total DESC, value NULLS LAST, step`;
};
