import { LRUCache } from 'lru-cache';
import { ApiKeyVerifier, AuthThrottle, BcryptGate } from '@beacon/auth';
import type { Config } from '@beacon/config';
import { hashIngestToken, INGEST_TOKEN_RE, type Pool } from '@beacon/db';
import type { RedisClient } from '@beacon/queue';
import { HttpError } from '@beacon/schema';
import { UnavailableError } from './errors.js';
import { siteOfAgency, useIngestToken } from './sql/ingest-auth.js';

/**
 * Who may send server-side hits for which site: a site ingest token (the site is the token's) or an
 * agency API key (any site of the agency, named by site_id). API keys go through the API's verifier
 * (packages/auth): the same per-IP brake (AuthThrottle on the same Redis keys, so failed guesses at the
 * API and here share one budget), the same bcrypt gate and the same "exact key, exact stored hash"
 * cache. A token lookup is a query, so token → site and agency → site answers are cached for `ttlMs`
 * (lru-cache): a revoked token stops within that time. Every failure is a 4xx with a stable code; a
 * database that cannot be asked is a 503.
 */
export class IngestAuth {
  private readonly tokens: LRUCache<string, { scriptId: string | null }> | null;
  private readonly agencySites: LRUCache<string, boolean> | null;

  constructor(
    private readonly pool: Pool,
    private readonly apiKeys: ApiKeyVerifier,
    ttlMs: number,
    max = 10_000,
  ) {
    this.tokens = ttlMs > 0 ? new LRUCache({ max, ttl: ttlMs }) : null;
    this.agencySites = ttlMs > 0 ? new LRUCache({ max, ttl: ttlMs }) : null;
  }

  /** The collector's IngestAuth: the API's login limits and bcrypt gate settings, refusals in its own format. */
  static create(pool: Pool, redis: RedisClient | null, config: Config): IngestAuth {
    const a = config.api;
    const throttle = new AuthThrottle({
      redis,
      keyPrefix: config.core.queuePrefix,
      maxPerIp: a.loginMaxFailuresPerIp,
      maxPerAccount: a.loginMaxFailuresPerAccount,
      windowS: a.loginWindowS,
      refuse: (retryAfterS, message) =>
        new HttpError(429, 'rate_limited', message, { retry_after_s: retryAfterS }),
    });
    const gate = new BcryptGate(a.bcryptConcurrency, a.bcryptQueueMax, undefined, (message) => {
      return new UnavailableError('overloaded', message);
    });
    return new IngestAuth(
      pool,
      new ApiKeyVerifier(pool, throttle, gate, a.apiKeyCacheTtlS * 1000),
      config.intake.tokenCacheTtlMs,
    );
  }

  /** The credential of a request: `Authorization: Bearer <token>` (or a given secret for the compatible intakes). */
  static bearer(header: string | undefined): string | null {
    const m = header ? /^Bearer\s+(\S+)\s*$/i.exec(header) : null;
    return m ? m[1]! : null;
  }

  /**
   * The script_id the credential may send for. `siteId` (from the body) is required with an API key
   * and, with a token, must name the token's site when given. `ip`: the sender, for the API-key brake.
   */
  async siteFor(credential: string | null, siteId: unknown, ip: string | null): Promise<string> {
    if (!credential)
      throw new HttpError(
        401,
        'unauthorized',
        'send Authorization: Bearer <site ingest token or agency API key>',
      );
    if (INGEST_TOKEN_RE.test(credential)) {
      const scriptId = await this.token(credential);
      if (!scriptId) throw new HttpError(401, 'invalid_token', 'unknown or revoked ingest token');
      if (siteId !== undefined && siteId !== null && siteId !== scriptId)
        throw new HttpError(403, 'site_mismatch', 'the ingest token belongs to another site than site_id');
      return scriptId;
    }
    if (!ApiKeyVerifier.looksLikeKey(credential))
      throw new HttpError(401, 'invalid_token', 'not an ingest token (bit_...) or API key (bk_...)');
    const key = await this.db(() => this.apiKeys.verify(credential, ip ?? 'unknown'));
    if ('reason' in key) throw new HttpError(401, 'invalid_token', 'invalid API key or inactive agency');
    if (typeof siteId !== 'string' || siteId === '')
      throw new HttpError(400, 'invalid_site_id', 'site_id (the script_id) is required with an API key');
    if (!(await this.ownsSite(key.agencyId, siteId)))
      // The same answer for another agency's site and for no site: nothing to learn by probing.
      throw new HttpError(404, 'unknown_site', `no site of this agency has script_id ${siteId}`);
    return siteId;
  }

  private async token(token: string): Promise<string | null> {
    const hash = hashIngestToken(token);
    const hit = this.tokens?.get(hash);
    if (hit) return hit.scriptId;
    const { rows } = await this.db(() => this.pool.query<{ script_id: string }>(useIngestToken, [hash]));
    const scriptId = rows[0]?.script_id ?? null;
    this.tokens?.set(hash, { scriptId });
    return scriptId;
  }

  private async ownsSite(agencyId: string, scriptId: string): Promise<boolean> {
    const key = `${agencyId}:${scriptId}`;
    const hit = this.agencySites?.get(key);
    if (hit !== undefined) return hit;
    const { rows } = await this.db(() => this.pool.query(siteOfAgency, [scriptId, agencyId]));
    this.agencySites?.set(key, rows.length > 0);
    return rows.length > 0;
  }

  /** Runs a check that reads the database; a database failure is a 503, not a 500. */
  private async db<T>(check: () => Promise<T>): Promise<T> {
    try {
      return await check();
    } catch (err) {
      if (err instanceof HttpError) throw err;
      throw new UnavailableError(
        'db_down',
        'credentials could not be checked (database unavailable); retry later',
        err as Error,
      );
    }
  }

  clear(): void {
    this.tokens?.clear();
    this.agencySites?.clear();
  }
}
