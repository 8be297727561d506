/**
 * SQLSTATEs worth retrying with backoff: the statement may succeed as is once the server or the
 * competing transaction is gone. Branch on `code`, never on the message.
 * @see https://www.postgresql.org/docs/current/errcodes-appendix.html
 */
export const RETRYABLE_SQLSTATES: ReadonlySet<string> = new Set([
  '40001', // serialization_failure
  '40P01', // deadlock_detected
  '55P03', // lock_not_available
  '57P01', // admin_shutdown (server restarting)
  '57P02', // crash_shutdown
  '57P03', // cannot_connect_now (starting up)
  '53300', // too_many_connections
  '08000',
  '08003',
  '08006',
  '08001',
  '08004', // connection exceptions
]);

const RETRYABLE_NODE_CODES = new Set([
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
  if (typeof code === 'string' && (RETRYABLE_SQLSTATES.has(code) || RETRYABLE_NODE_CODES.has(code)))
    return true;
  const msg = (err as { message?: unknown }).message;
  // pg raises plain Errors (no code) when the socket closes under a query.
  return (
    typeof msg === 'string' &&
    /Connection terminated|connection timeout|Client has encountered a connection error/i.test(msg)
  );
}
