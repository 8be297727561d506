import { HttpError } from '@beacon/schema';

/** Redis is down, slow or the queue is over its limit: the client should retry later. */
export class UnavailableError extends HttpError {
  override readonly name = 'UnavailableError';
  constructor(
    readonly reason:
      'redis_down' | 'redis_timeout' | 'queue_full' | 'overloaded' | 'db_down' | 'shutting_down',
    message: string,
    /** The underlying failure, logged but never shown to the client. */
    override readonly cause?: Error,
  ) {
    super(503, 'unavailable', message, { reason });
  }
}

export const badRequest = (code: string, message: string, details?: unknown) =>
  new HttpError(400, code, message, details);
