import { numericOf } from '../goals.js';
import { inRange, type Scope } from '../scope.js';

/**
 * Web vitals (docs/conversions.md "Web vitals"): the `web_vitals` events the tracker's vitals file
 * sends, one per page load, with lcp/inp/fcp/ttfb in ms and cls as a score in `properties`.
 * Thresholds are Google's (web.dev/articles/vitals): good <= first, poor > second.
 */
export const VITALS = [
  ['lcp', 2500, 4000],
  ['inp', 200, 500],
  ['cls', 0.1, 0.25],
  ['fcp', 1800, 3000],
  ['ttfb', 800, 1800],
] as const;

export const VITALS_BY = { page: 'page_path', device: 'device_type' } as const;
export type VitalsBy = keyof typeof VITALS_BY;

/**
 * p75 and the good / needs-improvement / poor split per metric, overall (`by` null) or per page or
 * device type (the `limit` values with the most web_vitals events). In: scope, by, limit placeholder.
 * Out: value, metric, samples, p75, good, needs_improvement, poor.
 */
export const webVitals = (s: Scope, by: VitalsBy | null, limit: string) => {
  const col = by ? `e.${VITALS_BY[by]}::text` : 'NULL::text';
  const m = VITALS.map(
    ([k, g, p]) => `('${k}', ${g}::float8, ${p}::float8, ${VITALS.findIndex((v) => v[0] === k)})`,
  );
  return `
WITH ev AS (
  SELECT ${col} AS value, e.properties
  FROM events e
  WHERE ${inRange(s)} AND e.event_name = 'web_vitals'
), top AS (
  SELECT value FROM ev GROUP BY value ORDER BY count(*) DESC, value NULLS LAST LIMIT ${limit}
), v AS (
  SELECT ev.value, m.metric, m.good, m.poor, m.ord, ${numericOf('(ev.properties ->> m.metric)')}::float8 AS x
  FROM ev JOIN top ON top.value IS NOT DISTINCT FROM ev.value
  CROSS JOIN (VALUES ${m.join(', ')}) AS m(metric, good, poor, ord)
)
SELECT value, metric, count(*)::int AS samples,
       percentile_cont(0.75) WITHIN GROUP (ORDER BY x) AS p75,
       count(*) FILTER (WHERE x <= good)::int AS good,
       count(*) FILTER (WHERE x > good AND x <= poor)::int AS needs_improvement,
       count(*) FILTER (WHERE x > poor)::int AS poor
FROM v
WHERE x IS NOT NULL AND x >= 0
GROUP BY value, metric, ord
ORDER BY value NULLS FIRST, ord`;
};
