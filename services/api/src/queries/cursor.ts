import { z } from 'zod';
import { invalidCursor } from '../http/errors.js';

/**
 * Opaque cursors, the one way to page every list: `limit` rows per answer and `next_cursor` (null at
 * the end) to pass back as `cursor`. Aggregate lists keep an offset inside; raw lists (events,
 * sessions) keep the sort key of their last row, so new rows arriving do not shift pages.
 */
const offsetCursor = z.object({ o: z.number().int().min(0).max(1_000_000) });
// No NUL: PostgreSQL text cannot hold it (the statement would fail).
const keyCursor = z.object({
  t: z.string().max(40),
  k: z
    .string()
    .max(200)
    .refine((k) => !k.includes('\u0000')),
});

export function encodeCursor(value: object): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

function decode<T>(schema: z.ZodType<T>, cursor: string): T {
  try {
    return schema.parse(JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')));
  } catch {
    throw invalidCursor();
  }
}

export function decodeOffset(cursor: string | undefined): number {
  return cursor === undefined ? 0 : decode(offsetCursor, cursor).o;
}

/** (timestamp, key) of the last row of the previous page. */
export function decodeKey(cursor: string | undefined): { t: string; k: string } | null {
  if (cursor === undefined) return null;
  const c = decode(keyCursor, cursor);
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,6})?Z$/.test(c.t)) throw invalidCursor();
  // A real instant PostgreSQL takes (no 31 February, hour 24 or year 0): else the query would fail (500).
  const ms = Date.parse(c.t);
  if (
    Number.isNaN(ms) ||
    c.t.startsWith('0000') ||
    new Date(ms).toISOString().slice(0, 19) !== c.t.slice(0, 19)
  )
    throw invalidCursor();
  return c;
}
