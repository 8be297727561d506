import { invalidCursor } from '../http/errors.js';
import { encodeCursor } from '../queries/cursor.js';
import { isUuid } from './schemas.js';

// Keyset pages of the admin lists (users, sites, erasures, audit): the cursor holds the sort key of the
// page's last row, two strings; the statement takes them as the key to start after (nulls on the first
// page) and `limit + 1` rows. Opaque to clients (base64url JSON, queries/cursor.ts).

/** The key a page starts after: the previous page's last (sort value, id), or nulls for the first page. */
export type AfterKey = [string, string] | [null, null];

/**
 * The key of a cursor this API gave out; `kinds` says what each position holds (a 'uuid' must be one,
 * since the statement casts it). A tampered cursor is a 400, never a failed query (500).
 */
export function decodeCursor(
  cursor: string | undefined,
  kinds: readonly ['text' | 'uuid', 'text' | 'uuid'],
): AfterKey {
  if (cursor === undefined) return [null, null];
  try {
    const v = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown;
    if (
      Array.isArray(v) &&
      v.length === kinds.length &&
      v.every(
        (x, i) =>
          typeof x === 'string' &&
          x.length <= 1000 &&
          !x.includes('\u0000') &&
          (kinds[i] !== 'uuid' || isUuid(x)),
      )
    )
      return v as [string, string];
  } catch {
    // fall through
  }
  throw invalidCursor();
}

// What PostgreSQL prints for a timestamptz (DateStyle ISO), e.g. 2026-12-02 09:08:45.610123+00.
const PG_TIMESTAMPTZ = /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}(\.\d{1,6})?[+-]\d{2}(:\d{2}){0,2}$/;

/**
 * A keyset cursor over (time, id) for lists newest first: the time is kept as PostgreSQL's exact text
 * (microseconds; a JavaScript Date would cut them and skip rows), the id a uuid or a bigint. Anything
 * else is a 400, never a failed cast (500).
 */
export function decodeTimeCursor(cursor: string | undefined, id: 'uuid' | 'int'): AfterKey {
  const key = decodeCursor(cursor, ['text', id === 'uuid' ? 'uuid' : 'text']);
  if (key[0] === null) return key;
  if (!PG_TIMESTAMPTZ.test(key[0]) || (id === 'int' && !/^\d{1,18}$/.test(key[1]))) throw invalidCursor();
  return key;
}

/**
 * One page of a keyset list. The statement was asked for `limit + 1` rows: a row past the limit says
 * there is a next page, whose cursor is the key of the page's last row.
 */
export function keysetPage<R, T>(
  rows: readonly R[],
  limit: number,
  toItem: (row: R) => T,
  keyOf: (row: R) => readonly [string, string],
): { items: T[]; next_cursor: string | null } {
  const page = rows.slice(0, limit);
  const last = page[page.length - 1];
  return {
    items: page.map(toItem),
    next_cursor: rows.length > limit && last ? encodeCursor(keyOf(last)) : null,
  };
}
