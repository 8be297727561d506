import {
  RateLimiterMemory,
  RateLimiterRedis,
  RateLimiterRes,
  type RateLimiterAbstract,
} from 'rate-limiter-flexible';
import type { RedisClient as Redis } from '@beacon/queue';
import { rateLimited, type RateLimitedFactory } from './errors.js';

export interface AuthThrottleOptions {
  /** Shared store so limits hold across API replicas; null = in-process memory only (tests, laptops). */
  redis: Redis | null;
  keyPrefix: string;
  maxPerIp: number;
  maxPerAccount: number;
  windowS: number;
  /** The service's 429 error (default: AuthRefusedError). */
  refuse?: RateLimitedFactory;
}

/** What a caller holds after `consume`: tell it the attempt succeeded to give the points back. */
export interface AuthAttempt {
  succeeded(): Promise<void>;
}

/**
 * Brute-force brake on password logins and API keys (rate-limiter-flexible). Consume first, refund on
 * success: every attempt takes a point per client IP (and per email for logins) BEFORE any password
 * is checked, atomically in the store (Redis INCR, or the process's memory), so 100 concurrent guesses
 * cannot all pass a "still under the limit?" read: the first `max` get through, the rest get 429 with
 * Retry-After. A successful attempt gives its IP point back and clears its account's count, so only
 * failures accumulate. With Redis down the in-memory insurance limiter keeps the brake on in this process.
 */
export class AuthThrottle {
  private readonly byIp: RateLimiterAbstract;
  private readonly byAccount: RateLimiterAbstract;
  private readonly refuse: RateLimitedFactory;

  constructor(opts: AuthThrottleOptions) {
    const make = (name: string, points: number) => {
      const base = { keyPrefix: `${opts.keyPrefix}:login:${name}`, points, duration: opts.windowS };
      return opts.redis
        ? new RateLimiterRedis({
            ...base,
            storeClient: opts.redis,
            rejectIfRedisNotReady: true,
            insuranceLimiter: new RateLimiterMemory(base),
          })
        : new RateLimiterMemory(base);
    };
    this.byIp = make('ip', opts.maxPerIp);
    this.byAccount = make('acct', opts.maxPerAccount);
    this.refuse = opts.refuse ?? rateLimited;
  }

  /**
   * Takes one point from the IP (and the account, when given); throws 429 when either is used up.
   * Both are consumed even when one refuses: a refused attempt still counts, so a flood stays refused
   * for the rest of the window instead of probing for the moment a point frees up.
   */
  async consume(ip: string, account?: string): Promise<AuthAttempt> {
    const acct = account?.toLowerCase();
    const results = await Promise.allSettled([
      this.byIp.consume(ip),
      ...(acct === undefined ? [] : [this.byAccount.consume(acct)]),
    ]);
    const refused: RateLimiterRes[] = [];
    for (const r of results) {
      if (r.status === 'fulfilled') continue;
      if (r.reason instanceof RateLimiterRes) refused.push(r.reason);
      else throw r.reason;
    }
    if (refused.length > 0) {
      const ms = Math.max(...refused.map((r) => r.msBeforeNext));
      throw this.refuse(
        Math.max(1, Math.ceil(ms / 1000)),
        acct === undefined
          ? 'too many failed authentications; try again later'
          : 'too many failed logins; try again later',
      );
    }
    let done = false;
    return {
      succeeded: async () => {
        if (done) return;
        done = true;
        await Promise.all([
          this.byIp.reward(ip, 1).catch(() => undefined),
          acct === undefined ? undefined : this.byAccount.delete(acct).catch(() => undefined),
        ]);
      },
    };
  }
}
