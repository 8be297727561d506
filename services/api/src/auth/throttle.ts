import { AuthThrottle as SharedThrottle, type AuthThrottleOptions } from '@beacon/auth';
import { TooManyRequestsError } from '../http/errors.js';

export type { AuthAttempt } from '@beacon/auth';

/** The shared brute-force brake (packages/auth) answering with the API's 429 (TooManyRequestsError). */
export class AuthThrottle extends SharedThrottle {
  constructor(opts: Omit<AuthThrottleOptions, 'refuse'>) {
    super({ ...opts, refuse: (retryAfterS, message) => new TooManyRequestsError(retryAfterS, message) });
  }
}
