import { invalidCursor } from '../http/errors.js';
import { decodeCursor } from './schemas.js';

// What PostgreSQL prints for a timestamptz (DateStyle ISO), e.g. 2026-12-02 09:08:45.610123+00.
const PG_TIMESTAMPTZ = /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}(\.\d{1,6})?[+-]\d{2}(:\d{2}){0,2}$/;

/**
 * A keyset cursor over (time, id) for lists newest first: the time is kept as PostgreSQL's exact text
 * (microseconds; a JavaScript Date would cut them and skip rows), the id a uuid or a bigint. Anything
 * else is a 400, never a failed cast (500).
 */
export function decodeTimeCursor(cursor: string | undefined, id: 'uuid' | 'int'): [string, string] | null {
  const v = decodeCursor(cursor, ['text', id === 'uuid' ? 'uuid' : 'text']);
  if (!v) return null;
  if (!PG_TIMESTAMPTZ.test(v[0]!) || (id === 'int' && !/^\d{1,18}$/.test(v[1]!))) throw invalidCursor();
  return [v[0]!, v[1]!];
}
