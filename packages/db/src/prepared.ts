import { createHash } from 'node:crypto';
import type { QueryConfig } from 'pg';

/** text -> statement name; statements are module constants, so this stays as small as their number. */
const names = new Map<string, string>();

/**
 * A statement for `pool.query` that PostgreSQL parses once per connection and, after five runs,
 * plans once (a generic plan), instead of on every call: for the small statements every API request
 * makes (the session check, the site lookup) parse and bind were 0.3 ms of PostgreSQL's time each, as
 * much as running them (docs/query-plans.md "The API's own cost around a statement"). Only for
 * statements whose best plan does not depend on the values (an index lookup by key); never for the
 * stats statements, whose partition pruning needs each call's bounds.
 *
 * The name is derived from the text, so two statements can never share one. Behind PgBouncer in
 * transaction mode this needs PgBouncer 1.21 or later with `max_prepared_statements` set.
 */
export function prepared(text: string, values: readonly unknown[]): QueryConfig {
  let name = names.get(text);
  if (name === undefined) {
    name = `beacon_${createHash('sha1').update(text).digest('hex').slice(0, 16)}`;
    names.set(text, name);
  }
  // A fresh object per call: pg writes the values into the config it is given.
  return { name, text, values: values as unknown[] };
}
