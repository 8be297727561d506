import * as goalSql from '../sql/goals.js';
import { QueryInputError } from './errors.js';
import type { GoalDef } from './goals.js';

/**
 * Goal (and segment) filters name saved definitions by id; the statements need the definitions.
 * `resolveSaved` reads them once per request (one indexed lookup, none when the request names none)
 * and attaches them to the query object; the statement builders then read `goalsOf(q)`.
 */
export interface SavedQueryPart {
  goal?: string[] | undefined;
}
const RESOLVED = Symbol('resolved');
type Resolved = { [RESOLVED]?: { goals: GoalDef[] } };

interface Db {
  query: (text: string, values?: unknown[]) => Promise<{ rows: unknown[] }>;
}

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
  return ids.map((id) => byId.get(id)!);
}

/** `q` with its saved definitions attached (idempotent: a resolved query is returned as it is). */
export async function resolveSaved<Q extends SavedQueryPart>(
  pool: Db,
  site: { scriptId: string },
  q: Q,
): Promise<Q> {
  if ((q as Resolved)[RESOLVED]) return q;
  const goals = await goalsOfSite(pool, site.scriptId, q.goal ?? []);
  return Object.assign({}, q, { [RESOLVED]: { goals } });
}

/** The goal filters of a resolved query (none for one that was never resolved and names none). */
export function goalsOf(q: SavedQueryPart): GoalDef[] {
  const r = (q as Resolved)[RESOLVED];
  if (r) return r.goals;
  if (q.goal?.length) throw new Error('query with goal filters used before resolveSaved');
  return [];
}
