import { pickFilters } from './filters.js';
import { goalOnRollups, type GoalDef } from './goals.js';
import { resolveRange } from './range.js';
import { planDays } from './days.js';
import { chooseSource } from './rollups.js';
import { goalsOf, resolveSaved } from './saved.js';
import type { StatsQuery } from './schemas.js';
import { buildScope } from './scope.js';
import { goalTotals, goalTotalsDays, goalTotalsRollup } from './statements/goals.js';
import { runStatement, siteTimeZone, type StatsDeps, type StatsSite } from './stats.js';

/** One goal's figures over a range (docs/conversions.md). */
export interface GoalStats {
  goal_id: string;
  name: string;
  kind: string;
  /** Matching events. */
  conversions: number;
  /** Distinct visitors with a matching event. */
  converters: number;
  /** converters / visitors of the range (same filters); null when no visitor. */
  conversion_rate: number | null;
  /** Sum of the conversions' values (fixed or from the event); null for goals without a value. */
  value: number | null;
}

/**
 * Conversions, converters, conversion rate and value of `goals` over the range, with the request's
 * filters. From rollup_names when every goal is one they answer and the request has no filter but
 * goal filters (rollup_names rows carry no session dimensions), else from events. Long unfiltered ranges
 * from the per-day aggregates (days.ts; converters and visitors estimated across days).
 */
export async function goalStats(
  deps: StatsDeps,
  site: StatsSite,
  q: StatsQuery,
  goals: readonly GoalDef[],
): Promise<{ visitors: number; items: GoalStats[] }> {
  q = await resolveSaved(deps.pool, site, q);
  const tz = siteTimeZone(site, q.tz);
  const range = resolveRange(q, tz);
  const filters = pickFilters(q);
  const goalFilters = goalsOf(q);
  const onRollups = goals.every(goalOnRollups);
  const plan = onRollups ? await planDays(deps, site.scriptId, range, filters, { goals: goalFilters }) : null;
  const source = plan
    ? 'days'
    : onRollups
      ? await chooseSource(deps, site.scriptId, range, filters, { filterable: false, goals: goalFilters })
      : 'events';
  const s = buildScope(site.scriptId, range, filters, { goals: goalFilters, rollup: source !== 'events' });
  const text = plan
    ? goalTotalsDays(s, s.p.add(new Date(plan.edge)), goals)
    : source === 'rollup'
      ? goalTotalsRollup(s, goals)
      : goalTotals(s, goals);
  const [row] = await runStatement<Record<string, number | null>>(deps, 'goals', text, s.p.values, source);
  const visitors = row?.visitors ?? 0;
  return {
    visitors,
    items: goals.map((g, i) => {
      const converters = row?.[`converters_${i}`] ?? 0;
      return {
        goal_id: g.id,
        name: g.name,
        kind: g.kind,
        conversions: row?.[`conversions_${i}`] ?? 0,
        converters,
        conversion_rate: visitors ? converters / visitors : null,
        value: row?.[`value_${i}`] ?? null,
      };
    }),
  };
}
