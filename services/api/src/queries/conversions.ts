import { goalOnRollups, type GoalDef } from './goals.js';
import { chooseRead, type Read } from './rollups.js';
import { resolveSaved } from './saved.js';
import type { StatsQuery } from './schemas.js';
import { buildScope } from './scope.js';
import { goalTotals, goalTotalsDays, goalTotalsRollup } from './statements/goals.js';
import { runStatement, type StatsDeps, type StatsSite } from './stats.js';
import { questionOf, twinOf } from './traffic.js';

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
  const { range, filters, goals: goalFilters } = questionOf(site, q);
  const read: Read = goals.every(goalOnRollups)
    ? await chooseRead(deps, site.scriptId, range, filters, { filterable: false, goals: goalFilters })
    : { source: 'events' };
  const s = buildScope(site.scriptId, range, filters, { goals: goalFilters });
  const text = twinOf(read, s, {
    events: () => goalTotals(s, goals),
    rollup: () => goalTotalsRollup(s, goals),
    days: (d) => goalTotalsDays(d, goals),
  });
  const [row] = await runStatement<Record<string, number | null>>(
    deps,
    'goals',
    text,
    s.p.values,
    read.source,
  );
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
