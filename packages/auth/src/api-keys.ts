import { createHash, timingSafeEqual } from 'node:crypto';
import { LRUCache } from 'lru-cache';
import type { Pool } from '@beacon/db';
import type { BcryptGate } from './bcrypt-gate.js';
import * as sql from './sql.js';
import type { AuthThrottle } from './throttle.js';

/** `bk_<8 hex>_<32 base62>`; the prefix `bk_<8 hex>` is stored in clear (agencies.api_key_prefix). */
const KEY_RE = /^(bk_[0-9a-f]{8})_[A-Za-z0-9]{16,128}$/;

export type ApiKeyResult = { agencyId: string } | { reason: 'invalid_api_key' | 'agency_inactive' };

/**
 * Agency API keys, for the API (any route) and the collector (server-side intake). bcrypt costs
 * ~50-100 ms per check by design, so a verified key is remembered for `ttlMs` — but only as "this exact
 * key (its SHA-256) matched this exact stored hash". Every request still reads the agency row by prefix
 * (one index lookup), so a rotated key (new prefix and hash), a suspended agency or a changed hash stop
 * a cached key at once. Every attempt that is not such a cache hit takes a point of the caller IP's
 * budget first (AuthThrottle: 429 past it) and gives it back only when the key is right; bcrypt runs
 * through the BcryptGate, so a flood of wrong keys costs bounded CPU.
 */
export class ApiKeyVerifier {
  /** `${prefix}:${stored hash}` → SHA-256 of the key bcrypt accepted (lru-cache: max entries + TTL). */
  private readonly verified: LRUCache<string, Buffer> | null;

  constructor(
    private readonly pool: Pool,
    private readonly throttle: AuthThrottle,
    private readonly bcrypt: BcryptGate,
    ttlMs: number,
    maxEntries = 10_000,
  ) {
    this.verified = ttlMs > 0 ? new LRUCache({ max: maxEntries, ttl: ttlMs }) : null;
  }

  static looksLikeKey(token: string): boolean {
    return token.startsWith('bk_');
  }

  /** Checks `key` presented from `ip`; throws the throttle's 429 when the IP is out of attempts. */
  async verify(key: string, ip: string): Promise<ApiKeyResult> {
    const m = KEY_RE.exec(key);
    const row = m
      ? (
          await this.pool.query<{ id: string; api_key: string; status: string | null }>(
            sql.findAgencyByKeyPrefix,
            [m[1]!],
          )
        ).rows[0]
      : undefined;
    if (!m || !row) {
      // A malformed key or an unknown prefix costs no bcrypt but is still a failed guess.
      await this.throttle.consume(ip);
      return { reason: 'invalid_api_key' };
    }
    const digest = createHash('sha256').update(key).digest();
    const cacheKey = `${m[1]!}:${row.api_key}`;
    const hit = this.verified?.get(cacheKey);
    let ok = hit !== undefined && timingSafeEqual(hit, digest);
    if (!ok) {
      const attempt = await this.throttle.consume(ip);
      ok = await this.bcrypt.compare(key, row.api_key);
      if (ok) {
        await attempt.succeeded();
        this.verified?.set(cacheKey, digest);
      }
    }
    if (!ok) return { reason: 'invalid_api_key' };
    if ((row.status ?? 'active') !== 'active') return { reason: 'agency_inactive' };
    return { agencyId: row.id };
  }
}
