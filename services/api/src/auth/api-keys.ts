import { createHash, timingSafeEqual } from 'node:crypto';
import type { Pool } from '@beacon/db';
import * as sql from '../sql/auth.js';
import type { BcryptGate } from './bcrypt-gate.js';
import type { AuthThrottle } from './throttle.js';

/** `bk_<8 hex>_<32 base62>`; the prefix `bk_<8 hex>` is stored in clear (agencies.api_key_prefix). */
const KEY_RE = /^(bk_[0-9a-f]{8})_[A-Za-z0-9]{16,128}$/;

export type ApiKeyResult = { agencyId: string } | { reason: 'invalid_api_key' | 'agency_inactive' };

interface CacheEntry {
  /** agencies.api_key (bcrypt hash) that this entry verified against. */
  storedHash: string;
  /** SHA-256 of the presented key that bcrypt accepted. */
  keyDigest: Buffer;
  expiresAt: number;
}

/**
 * Agency API keys. bcrypt costs ~50-100 ms per check by design, so a verified key is remembered for
 * `ttlMs` — but only as "this exact key matched this exact stored hash". Every request still reads
 * the agency row by prefix (one index lookup), so a rotated key (new prefix and hash), a suspended
 * agency or a changed hash stop a cached key at once. Every attempt that is not such a cache hit takes
 * a point of the caller IP's budget first (AuthThrottle: 429 past it) and gives it back only when the
 * key is right; bcrypt runs through the shared BcryptGate, so a flood of wrong keys costs bounded CPU.
 */
export class ApiKeyVerifier {
  private readonly cache = new Map<string, CacheEntry>();

  constructor(
    private readonly pool: Pool,
    private readonly throttle: AuthThrottle,
    private readonly bcrypt: BcryptGate,
    private readonly ttlMs: number,
    private readonly maxEntries = 10_000,
  ) {}

  static looksLikeKey(token: string): boolean {
    return token.startsWith('bk_');
  }

  /** Checks `key` presented from `ip`; throws 429 (TooManyRequestsError) when the IP is out of attempts. */
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
    const prefix = m[1]!;
    const digest = createHash('sha256').update(key).digest();
    const cacheKey = `${prefix}:${row.api_key}`;
    const hit = this.cache.get(cacheKey);
    let ok =
      hit !== undefined &&
      hit.expiresAt > Date.now() &&
      hit.storedHash === row.api_key &&
      timingSafeEqual(hit.keyDigest, digest);
    if (!ok) {
      const attempt = await this.throttle.consume(ip);
      ok = await this.bcrypt.compare(key, row.api_key);
      if (ok) {
        await attempt.succeeded();
        if (this.cache.size >= this.maxEntries) this.cache.delete(this.cache.keys().next().value!);
        this.cache.set(cacheKey, {
          storedHash: row.api_key,
          keyDigest: digest,
          expiresAt: Date.now() + this.ttlMs,
        });
      }
    }
    if (!ok) return { reason: 'invalid_api_key' };
    if ((row.status ?? 'active') !== 'active') return { reason: 'agency_inactive' };
    return { agencyId: row.id };
  }
}
