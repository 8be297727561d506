import { errors as joseErrors, jwtVerify, SignJWT } from 'jose';
import {
  RateLimiterMemory,
  RateLimiterRedis,
  RateLimiterRes,
  type RateLimiterAbstract,
} from 'rate-limiter-flexible';
import type { Pool } from '@beacon/db';
import type { RedisClient } from '@beacon/queue';
import { TooManyRequestsError } from '../http/errors.js';
import * as sql from '../sql/share-links.js';
import type { Filters } from '../queries/filters.js';
import type { AuthContext } from './types.js';

const ISSUER = 'beacon-api';
const AUDIENCE = 'beacon-share';
/** Share access tokens carry this prefix so the authenticator knows them at a glance. */
export const SHARE_TOKEN_PREFIX = 'bsh_';
/** Longest life of a share access token (the shared view trades its link again when it ends). */
const MAX_TTL_S = 3600;

/**
 * Access tokens of shared dashboards: a viewer of a share link (after its password, if any) gets an
 * HS256 JWT naming only the link. Every request made with it re-reads the link (one indexed join), so a
 * revoked or expired link is refused at the next request; requests per link are rate limited.
 */
export class ShareTokens {
  private readonly key: Uint8Array;
  private readonly perLink: RateLimiterAbstract;

  constructor(
    secret: string,
    private readonly pool: Pool,
    redis: RedisClient | null,
    keyPrefix: string,
    requestsPerMinute: number,
  ) {
    this.key = new TextEncoder().encode(`share:${secret}`);
    const base = { keyPrefix: `${keyPrefix}:share:req`, points: requestsPerMinute, duration: 60 };
    this.perLink = redis
      ? new RateLimiterRedis({ ...base, storeClient: redis, insuranceLimiter: new RateLimiterMemory(base) })
      : new RateLimiterMemory(base);
  }

  static looksLikeShareToken(token: string): boolean {
    return token.startsWith(SHARE_TOKEN_PREFIX);
  }

  /** A token for the link, valid an hour at most and never past the link's expiry. */
  async sign(linkId: string, linkExpiresAt: Date | null): Promise<{ token: string; expiresIn: number }> {
    const untilExpiry = linkExpiresAt ? Math.floor((linkExpiresAt.getTime() - Date.now()) / 1000) : MAX_TTL_S;
    const ttl = Math.max(1, Math.min(MAX_TTL_S, untilExpiry));
    const jwt = await new SignJWT({})
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
      .setSubject(linkId)
      .setIssuer(ISSUER)
      .setAudience(AUDIENCE)
      .setIssuedAt()
      .setExpirationTime(`${ttl}s`)
      .sign(this.key);
    return { token: `${SHARE_TOKEN_PREFIX}${jwt}`, expiresIn: ttl };
  }

  /** The caller of a share token, or the reason to refuse it. Throws 429 past the link's request budget. */
  async authenticate(
    token: string,
  ): Promise<AuthContext | { reason: 'expired' | 'invalid_token' | 'link_gone' }> {
    let linkId: string;
    try {
      const { payload } = await jwtVerify(token.slice(SHARE_TOKEN_PREFIX.length), this.key, {
        issuer: ISSUER,
        audience: AUDIENCE,
        algorithms: ['HS256'],
      });
      if (typeof payload.sub !== 'string') return { reason: 'invalid_token' };
      linkId = payload.sub;
    } catch (err) {
      return { reason: err instanceof joseErrors.JWTExpired ? 'expired' : 'invalid_token' };
    }
    try {
      await this.perLink.consume(linkId);
    } catch (err) {
      if (err instanceof RateLimiterRes)
        throw new TooManyRequestsError(
          Math.max(1, Math.ceil(err.msBeforeNext / 1000)),
          'too many requests with this share link',
        );
      throw err;
    }
    const { rows } = await this.pool.query<{
      agency_id: string;
      site_id: string;
      filters: Filters;
      allow_csv: boolean;
    }>(sql.checkLiveLink, [linkId]);
    const link = rows[0];
    if (!link) return { reason: 'link_gone' };
    return {
      agencyId: link.agency_id,
      role: 'viewer',
      userId: null,
      via: 'share',
      sessionId: null,
      siteAccess: 'selected',
      share: { linkId, siteId: link.site_id, filters: link.filters ?? {}, allowCsv: link.allow_csv },
    };
  }
}
