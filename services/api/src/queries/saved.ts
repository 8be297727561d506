import { z } from 'zod';
import * as goalSql from '../sql/goals.js';
import * as segmentSql from '../sql/segments.js';
import { QueryInputError } from './errors.js';
import { FILTER_KEYS, type FilterKey } from './filters.js';
import type { GoalDef } from './goals.js';

/**
 * Goal and segment filters name saved definitions by id; the statements need the definitions.
 * `resolveSaved` reads them once per request (indexed lookups, none when the request names none),
 * merges a segment's filters into the request's (AND) and attaches the goals to the query object;
 * the statement builders then read `goalsOf(q)` and the usual filter keys.
 */
export interface SavedQueryPart {
  goal?: string[] | undefined;
  segment?: string | undefined;
}
const RESOLVED = Symbol('resolved');
type Resolved = { [RESOLVED]?: { goals: GoalDef[] } };

interface Db {
  query: (text: string, values?: unknown[]) => Promise<{ rows: unknown[] }>;
}

/** What a segment stores: filter key -> values (OR), and goal ids (each an AND). */
export const segmentFiltersSchema = z
  .object({
    ...(Object.fromEntries(
      FILTER_KEYS.map((k) => [k, z.array(z.string().max(500)).min(1).max(50).optional()]),
    ) as Record<FilterKey, z.ZodOptional<z.ZodArray<z.ZodString>>>),
    goal: z.array(z.uuid()).min(1).max(5).optional(),
  })
  .strict()
  .meta({
    id: 'SegmentFilters',
    description: 'Filter key -> values (any of them; "(none)" = empty), and goal -> goal ids (all of them)',
  });
export type SegmentFilters = z.infer<typeof segmentFiltersSchema>;

/** The goals of ids `ids` on the site; an id that is not one of its goals is a 400. */
export async function goalsOfSite(
  pool: Db,
  siteScriptId: string,
  ids: readonly string[],
): Promise<GoalDef[]> {
  if (ids.length === 0) return [];
  const { rows } = await pool.query(goalSql.goalsByIds, [siteScriptId, [...new Set(ids)]]);
  const byId = new Map((rows as GoalDef[]).map((g) => [g.id, g]));
  const missing = ids.filter((id) => !byId.has(id));
  if (missing.length) throw new QueryInputError('no such goal on this site', { goal: missing });
  return [...new Set(ids)].map((id) => byId.get(id)!);
}

/** A request's filters AND a segment's: the values two lists have in common (none: nothing matches). */
export function mergeFilters<Q extends Record<string, unknown>>(q: Q, seg: SegmentFilters): Q {
  const out: Record<string, unknown> = { ...q };
  for (const k of FILTER_KEYS) {
    const s = seg[k];
    if (!s) continue;
    const mine = q[k] as string[] | undefined;
    out[k] = mine ? mine.filter((v) => s.includes(v)) : [...s];
  }
  if (seg.goal) out.goal = [...new Set([...((q.goal as string[] | undefined) ?? []), ...seg.goal])];
  return out as Q;
}

/** `q` with its saved definitions attached (idempotent: a resolved query is returned as it is). */
export async function resolveSaved<Q extends SavedQueryPart>(
  pool: Db,
  site: { scriptId: string },
  q: Q,
): Promise<Q> {
  if ((q as Resolved)[RESOLVED]) return q;
  let merged: Q = q;
  if (q.segment) {
    const { rows } = await pool.query(segmentSql.findSegment, [site.scriptId, q.segment]);
    const seg = rows[0] as { filters: unknown } | undefined;
    if (!seg) throw new QueryInputError('no such segment on this site', { segment: q.segment });
    merged = mergeFilters(q as Q & Record<string, unknown>, segmentFiltersSchema.parse(seg.filters));
  }
  const goals = await goalsOfSite(pool, site.scriptId, merged.goal ?? []);
  return Object.assign({}, merged, { [RESOLVED]: { goals } });
}

/** The goal filters of a resolved query (none for one that was never resolved and names none). */
export function goalsOf(q: SavedQueryPart): GoalDef[] {
  const r = (q as Resolved)[RESOLVED];
  if (r) return r.goals;
  if (q.goal?.length || q.segment) throw new Error('query with saved filters used before resolveSaved');
  return [];
}
