import bcrypt from 'bcryptjs';
import pLimit, { type LimitFunction } from 'p-limit';
import { busy, type BusyFactory } from './errors.js';

/**
 * The one door to bcrypt for request-time password and API-key checks (the API's logins, share-link
 * passwords and API keys; the collector's API keys). bcrypt costs tens of ms of CPU on purpose; without
 * a cap a flood of guesses (from many IPs, past the per-IP limits) would make a process spend its whole
 * CPU on them. At most `concurrency` comparisons run at once (p-limit); at most `queueMax` wait; past
 * that the request is refused at once (`refuse`: the service's 503 + Retry-After) instead of queueing
 * unbounded work.
 */
export class BcryptGate {
  private readonly limit: LimitFunction;

  constructor(
    concurrency: number,
    private readonly queueMax: number,
    private readonly onRefused: () => void = () => undefined,
    private readonly refuse: BusyFactory = busy,
  ) {
    this.limit = pLimit(concurrency);
  }

  /** Comparisons running and waiting now (for tests and metrics). */
  get load(): { active: number; pending: number } {
    return { active: this.limit.activeCount, pending: this.limit.pendingCount };
  }

  compare(secret: string, hash: string): Promise<boolean> {
    return this.run('too many authentications in progress; retry shortly', () =>
      bcrypt.compare(secret, hash),
    );
  }

  /** A new hash (passwords set through one-time links, share-link passwords), through the same door. */
  hash(secret: string, rounds: number): Promise<string> {
    return this.run('too many password operations in progress; retry shortly', () =>
      bcrypt.hash(secret, rounds),
    );
  }

  private run<T>(busyMessage: string, work: () => Promise<T>): Promise<T> {
    if (this.limit.pendingCount >= this.queueMax) {
      this.onRefused();
      return Promise.reject(this.refuse(busyMessage));
    }
    return this.limit(work);
  }
}
