import { QueryInputError } from './errors.js';
import { goalsOfSite, resolveSaved } from './saved.js';
import type { StatsQuery } from './schemas.js';
import { funnel as funnelSql, type FunnelBreakdown, type FunnelStepDef } from './statements/funnels.js';
import { runStatement, scopeOf, type StatsDeps, type StatsSite } from './stats.js';
import type { FunnelStepFigures } from '../answers.js';

/** A funnel step as stored (funnels.steps). */
export type StoredStep =
  | { type: 'goal'; goal_id: string }
  | { type: 'page'; page_pattern: string; page_regex: string }
  | { type: 'event'; event_name: string; property?: { key: string; value: string } | null };

export interface FunnelDef {
  id: string;
  name: string;
  steps: StoredStep[];
  window_mode: 'session' | 'visitor';
  window_days: number | null;
  /** "Directly followed by" (docs/conversions.md). */
  direct: boolean;
}

/** One step's figures (the answer's shape, src/answers.ts; meanings in docs/conversions.md). */
export type FunnelStep = FunnelStepFigures;

/** Step definitions with their goals read (a goal deleted since is a 400 naming it). */
export async function stepDefs(
  pool: StatsDeps['pool'],
  site: StatsSite,
  steps: readonly StoredStep[],
): Promise<FunnelStepDef[]> {
  const ids = steps.flatMap((s) => (s.type === 'goal' ? [s.goal_id] : []));
  const goals = new Map((await goalsOfSite(pool, site.scriptId, ids)).map((g) => [g.id, g]));
  return steps.map((s) =>
    s.type === 'goal'
      ? { type: 'goal', goal: goals.get(s.goal_id)! }
      : s.type === 'page'
        ? { type: 'page', page_regex: s.page_regex }
        : { type: 'event', event_name: s.event_name, property: s.property ?? null },
  );
}

function figures(rows: { step: number; visitors: number; median_seconds: number | null }[], n: number) {
  const by = new Map(rows.map((r) => [r.step, r]));
  const out: FunnelStep[] = [];
  for (let k = 1; k <= n; k++) {
    const v = by.get(k)?.visitors ?? 0;
    const prev = k > 1 ? out[k - 2]!.visitors : null;
    const first = k > 1 ? out[0]!.visitors : v;
    out.push({
      step: k,
      visitors: v,
      conversion_from_previous: prev ? v / prev : null,
      conversion_from_first: first ? v / first : null,
      drop_off: prev === null ? 0 : prev - v,
      median_seconds_from_previous: by.get(k)?.median_seconds ?? null,
    });
  }
  return out;
}

/**
 * Per step: visitors, conversion from the previous and the first step, drop-off and the median time
 * between steps; with `breakdown`, the same per value of that dimension (the unit's first event in the
 * range). Raw events of the range with the request's filters (segments and goal filters included).
 */
export async function funnelStats(
  deps: StatsDeps,
  site: StatsSite,
  f: FunnelDef,
  q: StatsQuery & { breakdown?: FunnelBreakdown | undefined },
) {
  if (f.steps.length < 2 || f.steps.length > 8) throw new QueryInputError('a funnel has 2 to 8 steps');
  q = await resolveSaved(deps.pool, site, q);
  const steps = await stepDefs(deps.pool, site, f.steps);
  const s = scopeOf(site, q);
  const rows = await runStatement<{
    value: string | null;
    total: boolean;
    step: number;
    visitors: number;
    median_seconds: number | null;
  }>(
    deps,
    'funnel',
    funnelSql(s, steps, {
      mode: f.window_mode,
      windowDays: f.window_days,
      direct: f.direct,
      breakdown: q.breakdown ?? null,
    }),
    s.p.values,
  );
  const n = steps.length;
  const values = [...new Set(rows.filter((r) => !r.total).map((r) => r.value))];
  return {
    funnel_id: f.id,
    name: f.name,
    window: f.window_mode === 'session' ? 'session' : `${f.window_days} days`,
    direct: f.direct,
    steps: figures(
      rows.filter((r) => r.total),
      n,
    ),
    ...(q.breakdown
      ? {
          breakdown: {
            dimension: q.breakdown,
            items: values.map((value) => ({
              value,
              steps: figures(
                rows.filter((r) => !r.total && r.value === value),
                n,
              ),
            })),
          },
        }
      : {}),
  };
}
