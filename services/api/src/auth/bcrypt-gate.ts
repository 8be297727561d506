import bcrypt from 'bcryptjs';
import pLimit, { type LimitFunction } from 'p-limit';
import { ApiError } from '../http/errors.js';

/**
 * The one door to bcrypt for request-time password and API-key checks. bcrypt costs tens of ms of CPU
 * on purpose; without a cap a flood of guesses (from many IPs, past the per-IP limits) would make
 * the API spend its whole CPU on them. At most `concurrency` comparisons run at once (p-limit); at most
 * `queueMax` wait; past that the request is refused at once with 503 + Retry-After instead of queueing
 * unbounded work.
 */
export class BcryptGate {
  private readonly limit: LimitFunction;

  constructor(
    concurrency: number,
    private readonly queueMax: number,
    private readonly onRefused: () => void = () => undefined,
  ) {
    this.limit = pLimit(concurrency);
  }

  /** Comparisons running and waiting now (for tests and metrics). */
  get load(): { active: number; pending: number } {
    return { active: this.limit.activeCount, pending: this.limit.pendingCount };
  }

  compare(secret: string, hash: string): Promise<boolean> {
    if (this.limit.pendingCount >= this.queueMax) {
      this.onRefused();
      return Promise.reject(
        new ApiError(
          503,
          'unavailable',
          'too many authentications in progress; retry shortly',
          { retry_after_s: 1 },
          { 'retry-after': '1' },
        ),
      );
    }
    return this.limit(() => bcrypt.compare(secret, hash));
  }

  /** A new hash (passwords set through one-time links, share-link passwords), through the same door. */
  hash(secret: string, rounds: number): Promise<string> {
    if (this.limit.pendingCount >= this.queueMax) {
      this.onRefused();
      return Promise.reject(
        new ApiError(
          503,
          'unavailable',
          'too many password operations in progress; retry shortly',
          {
            retry_after_s: 1,
          },
          { 'retry-after': '1' },
        ),
      );
    }
    return this.limit(() => bcrypt.hash(secret, rounds));
  }
}
