/**
 * The rows as one array per key, in `keys` order: the parameters of an `unnest($1::t[], $2::t[], ...)`
 * insert or upsert. A missing value is null (what PostgreSQL gets for it either way).
 */
export function columnsOf<R extends object, K extends keyof R>(
  rows: readonly R[],
  keys: readonly K[],
): (R[K] | null)[][] {
  return keys.map((k) => rows.map((r) => (r[k] === undefined ? null : r[k])));
}
