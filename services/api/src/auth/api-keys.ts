import { createHash, timingSafeEqual } from 'node:crypto';
import bcrypt from 'bcryptjs';
import type { Pool } from '@beacon/db';
import * as sql from '../sql/auth.js';

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
 * agency or a changed hash stop a cached key at once.
 */
export class ApiKeyVerifier {
  private readonly cache = new Map<string, CacheEntry>();

  constructor(
    private readonly pool: Pool,
    private readonly ttlMs: number,
    private readonly maxEntries = 10_000,
  ) {}

  static looksLikeKey(token: string): boolean {
    return token.startsWith('bk_');
  }

  async verify(key: string): Promise<ApiKeyResult> {
    const m = KEY_RE.exec(key);
    if (!m) return { reason: 'invalid_api_key' };
    const prefix = m[1]!;
    const { rows } = await this.pool.query<{ id: string; api_key: string; status: string | null }>(
      sql.findAgencyByKeyPrefix,
      [prefix],
    );
    const row = rows[0];
    if (!row) return { reason: 'invalid_api_key' };
    const digest = createHash('sha256').update(key).digest();
    const cacheKey = `${prefix}:${row.api_key}`;
    const hit = this.cache.get(cacheKey);
    let ok = false;
    if (
      hit &&
      hit.expiresAt > Date.now() &&
      hit.storedHash === row.api_key &&
      timingSafeEqual(hit.keyDigest, digest)
    ) {
      ok = true;
    } else {
      ok = await bcrypt.compare(key, row.api_key);
      if (ok) {
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
