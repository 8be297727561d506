import { goalOnRollups, type GoalDef } from './goals.js';
import { chooseRead, type Read } from './rollups.js';
import { resolveSaved } from './saved.js';
import type { StatsQuery } from './schemas.js';
import { buildScope, type Scope } from './scope.js';
import { goalCountsRollup, goalTotals, goalTotalsDays, goalVisitorsRollup } from './statements/goals.js';
import { runStatement, type StatsDeps, type StatsSite } from './stats.js';
import { daysScope } from './statements/rollup-days.js';
import { questionOf } from './traffic.js';

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

type GoalRow = Record<string, number | null> | undefined;

/**
 * The one row of goal figures (visitors, then conversions_i, converters_i, value_i per goal), read as
 * `read` says. From hourly rollups it is two statements side by side on two connections, the visitors
 * and the goals' counts (statements/goals.ts), each on a scope of its own (a scope numbers the
 * parameters of the one statement it builds).
 */
async function goalRow(
  deps: StatsDeps,
  read: Read,
  scope: () => Scope,
  goals: readonly GoalDef[],
): Promise<GoalRow> {
  const run = (text: string, s: Scope) =>
    runStatement<Record<string, number | null>>(deps, 'goals', text, s.p.values, read.source).then(
      (rows): GoalRow => rows[0],
    );
  if (read.source === 'rollup') {
    const [sv, sg] = [scope(), scope()];
    const [v, g] = await Promise.all([run(goalVisitorsRollup(sv), sv), run(goalCountsRollup(sg, goals), sg)]);
    return { ...g, visitors: v?.visitors ?? 0 };
  }
  const s = scope();
  const text = read.source === 'days' ? goalTotalsDays(daysScope(s, read.plan), goals) : goalTotals(s, goals);
  return run(text, s);
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
  const scope = () => buildScope(site.scriptId, range, filters, { goals: goalFilters });
  const row = await goalRow(deps, read, scope, goals);
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
