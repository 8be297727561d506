/**
 * An authentication refused before any secret was checked: too many attempts from one address (429) or
 * too many bcrypt checks in progress (503). Each service answers it in its own error format: the API
 * and the collector pass their own error factory (`refuse`) to AuthThrottle and BcryptGate; this class
 * is what they throw when none is given.
 */
export class AuthRefusedError extends Error {
  override readonly name = 'AuthRefusedError';
  constructor(
    readonly status: 429 | 503,
    readonly code: 'rate_limited' | 'unavailable',
    message: string,
    readonly retryAfterS: number,
  ) {
    super(message);
  }
}

/** Makes the error thrown when an address is out of attempts. */
export type RateLimitedFactory = (retryAfterS: number, message: string) => Error;
/** Makes the error thrown when too many bcrypt checks wait (retry after 1 s). */
export type BusyFactory = (message: string) => Error;

export const rateLimited: RateLimitedFactory = (s, message) =>
  new AuthRefusedError(429, 'rate_limited', message, s);
export const busy: BusyFactory = (message) => new AuthRefusedError(503, 'unavailable', message, 1);
