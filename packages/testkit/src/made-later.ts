/**
 * Fixtures that a beforeAll makes (a database, an API, seeded rows) are handed out at the top level of a
 * test file, before they exist: as an object whose fields are read when a hook or test reads them.
 * Read too early, or read when the fixture was not asked for, they throw rather than answer undefined.
 */

/** What a beforeAll made, or an error naming the fixture and what it has not made (yet). */
export function madeBy<T>(fixture: string, what: string, value: T | undefined): T {
  if (value === undefined) {
    throw new Error(`${fixture}: no ${what} (made in beforeAll, if asked for); read it in a hook or test`);
  }
  return value;
}

/** Read-only fields `keys` that read the same fields of `read()` each time they are read. */
export function fieldsReadLater<T extends object, K extends keyof T>(
  read: () => T,
  keys: readonly K[],
): Pick<T, K> {
  const fields = {} as Pick<T, K>;
  for (const key of keys) Object.defineProperty(fields, key, { get: () => read()[key], enumerable: true });
  return fields;
}
