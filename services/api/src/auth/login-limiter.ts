import {
  RateLimiterMemory,
  RateLimiterRedis,
  RateLimiterRes,
  type RateLimiterAbstract,
} from 'rate-limiter-flexible';
import type { RedisClient as Redis } from '@beacon/queue';
import { TooManyRequestsError } from '../http/errors.js';

export interface LoginLimiterOptions {
  /** Shared store so limits hold across API replicas; null = in-process memory only (tests, laptops). */
  redis: Redis | null;
  keyPrefix: string;
  maxPerIp: number;
  maxPerAccount: number;
  windowS: number;
}

/**
 * Brute-force brake on POST /v1/auth/login (rate-limiter-flexible): failed attempts are counted per
 * client IP and per email over a window; past either limit the login answers 429 with Retry-After
 * until the window ends, before any password is checked. A successful login clears its account's
 * count. With Redis down the in-memory insurance limiter keeps the brake on within this process.
 */
export class LoginLimiter {
  private readonly byIp: RateLimiterAbstract;
  private readonly byAccount: RateLimiterAbstract;

  constructor(private readonly opts: LoginLimiterOptions) {
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
  }

  /** Throws 429 when the IP or the account has used up its failures. */
  async check(ip: string, email: string): Promise<void> {
    const [a, b] = await Promise.all([this.byIp.get(ip), this.byAccount.get(email.toLowerCase())]);
    const blocked = [
      a && a.consumedPoints >= this.opts.maxPerIp ? a : null,
      b && b.consumedPoints >= this.opts.maxPerAccount ? b : null,
    ].filter((r): r is RateLimiterRes => r !== null);
    if (blocked.length > 0) {
      const ms = Math.max(...blocked.map((r) => r.msBeforeNext));
      throw new TooManyRequestsError(
        Math.max(1, Math.ceil(ms / 1000)),
        'too many failed logins; try again later',
      );
    }
  }

  async failed(ip: string, email: string): Promise<void> {
    await Promise.all([swallow(this.byIp.consume(ip)), swallow(this.byAccount.consume(email.toLowerCase()))]);
  }

  /**
   * Bad agency API keys count against the same per-IP budget: a known key prefix with guessed secrets
   * would otherwise make the server run bcrypt (tens of ms) for every guess.
   */
  async checkIp(ip: string): Promise<void> {
    const r = await this.byIp.get(ip);
    if (r && r.consumedPoints >= this.opts.maxPerIp)
      throw new TooManyRequestsError(
        Math.max(1, Math.ceil(r.msBeforeNext / 1000)),
        'too many failed authentications; try again later',
      );
  }

  async failedIp(ip: string): Promise<void> {
    await swallow(this.byIp.consume(ip));
  }

  async succeeded(email: string): Promise<void> {
    await this.byAccount.delete(email.toLowerCase()).catch(() => undefined);
  }
}

/** consume() rejects with a RateLimiterRes once over the limit; that is expected here (check() reads it). */
async function swallow(p: Promise<unknown>): Promise<void> {
  try {
    await p;
  } catch (err) {
    if (!(err instanceof RateLimiterRes)) throw err;
  }
}
