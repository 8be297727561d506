/**
 * How the writer reads a failure. Branches on SQLSTATE `code`, never on the message.
 * @see https://www.postgresql.org/docs/15/errcodes-appendix.html
 */
import { isUniqueViolation } from '@beacon/db';

/**
 * Class 22 (data exception: bad number, too long, invalid JSON, bad byte sequence) and class 23
 * (integrity constraint: NOT NULL, CHECK, foreign key): the data is wrong, retrying cannot help. The
 * batch is split to isolate the rows and they are dead-lettered. Everything else (PostgreSQL down or
 * restarting, deadlock, timeout, a schema problem an operator must fix) is retried with back-off and the
 * jobs stay in Redis.
 */
export function isPoisonError(err: unknown): boolean {
  const e = err as { code?: unknown; table?: unknown } | null;
  const code = e?.code;
  if (typeof code !== 'string' || !/^2[23][0-9A-Z]{3}$/.test(code)) return false;
  // unique_violation on events (a partition's primary key): another writer inserted the same rows
  // between our duplicate check and our COPY. Not bad data: retry, and the check skips them.
  return !isEventsRace(err);
}

/** 23505 on events or one of its partitions (the row's id and server_timestamp are already stored). */
export function isEventsRace(err: unknown): boolean {
  const table = (err as { table?: unknown } | null)?.table;
  return isUniqueViolation(err) && typeof table === 'string' && /^events(_|$)/.test(table);
}

/** The message of a PostgreSQL error with its detail and context (which COPY line and column). */
export function pgErrorText(err: unknown): string {
  const e = err as { message?: string; detail?: string; where?: string };
  return [e.message ?? String(err), e.detail, e.where].filter(Boolean).join('; ').slice(0, 2000);
}

/** A job whose payload is not an EnrichedJob: it can never be stored, so BullMQ fails it (no retry). */
export class InvalidJobError extends Error {
  override readonly name = 'InvalidJobError';
  readonly code = 'invalid_job';
}
