import type { Request } from 'express';
import type { ApiDeps } from '../deps.js';
import { clientIp } from '../http/client-ip.js';
import { TooManyRequestsError } from '../http/errors.js';
import type { AuthAttempt, AuthThrottle } from './throttle.js';

/**
 * Takes a point of `throttle` for the caller's IP (and `account`, when given) before a secret is
 * checked; a refusal (429) is counted in the auth-failure metric as `refusedReason`.
 */
export async function takeAttempt(
  d: Pick<ApiDeps, 'metrics'>,
  throttle: AuthThrottle,
  req: Request,
  refusedReason: string,
  account?: string,
): Promise<AuthAttempt> {
  try {
    return await throttle.consume(clientIp(req) ?? 'unknown', account);
  } catch (err) {
    if (err instanceof TooManyRequestsError) d.metrics.authFailures.inc({ reason: refusedReason });
    throw err;
  }
}
