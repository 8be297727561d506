/**
 * PostgreSQL errors worth retrying with backoff: the statement may succeed as is once the server or
 * the competing transaction is gone. Decided by SQLSTATE (class, or the exact code where a class mixes
 * transient and permanent errors) and by Node's socket error codes, never by message text (messages
 * are translated with lc_messages and change between versions).
 * @see https://www.postgresql.org/docs/current/errcodes-appendix.html
 */
export const RETRYABLE_SQLSTATES: ReadonlySet<string> = new Set([
  '40001', // serialization_failure
  '40P01', // deadlock_detected
  '55P03', // lock_not_available
]);

/**
 * Whole classes: 08 connection exception, 53 insufficient resources (too many connections, out of
 * memory, disk full), 57P operator intervention (admin/crash shutdown, cannot connect now, database
 * dropped; 57014 query_canceled is not in it: a statement timeout would only time out again).
 */
const RETRYABLE_SQLSTATE_CLASSES = ['08', '53', '57P'];

const RETRYABLE_NODE_CODES: ReadonlySet<string> = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'ENOTFOUND',
  'EAI_AGAIN',
]);

/** True for errors that mean "PostgreSQL is busy or unreachable", not "this data is wrong". */
export function isRetryablePgError(err: unknown): boolean {
  if (!err || typeof err !== 'object') return false;
  const code = (err as { code?: unknown }).code;
  if (typeof code !== 'string') return false;
  if (RETRYABLE_SQLSTATES.has(code) || RETRYABLE_NODE_CODES.has(code)) return true;
  return code.length === 5 && RETRYABLE_SQLSTATE_CLASSES.some((c) => code.startsWith(c));
}

/** A unique violation (SQLSTATE 23505): the row's key is already taken. */
export function isUniqueViolation(err: unknown): boolean {
  return (err as { code?: unknown } | null)?.code === '23505';
}
