import type { Request } from 'express';
import { prepared, type Pool } from '@beacon/db';
import { TooManyRequestsError, UnauthorizedError } from '../http/errors.js';
import * as sql from '../sql/auth.js';
import { ApiKeyVerifier } from '@beacon/auth';
import { ShareTokens } from './share-tokens.js';
import type { AccessTokens } from './tokens.js';
import type { AuthContext, Role, SiteAccess } from './types.js';

/**
 * `Authorization: Bearer <token>`: an agency API key (`bk_...`, acts as admin of its agency) or a
 * dashboard access token (JWT). A JWT alone is not enough: its login session must still be live and
 * its user active (one indexed read), so logout, deactivation and role changes apply to the next
 * request. Every failure is a 401 and is counted by reason.
 */
export class Authenticator {
  constructor(
    private readonly pool: Pool,
    private readonly tokens: AccessTokens,
    private readonly keys: ApiKeyVerifier,
    private readonly onFailure: (reason: string) => void,
    private readonly shares?: ShareTokens,
  ) {}

  async authenticate(req: Request): Promise<AuthContext> {
    const header = req.headers.authorization;
    if (!header)
      return this.fail('missing_credentials', 'authentication required: send Authorization: Bearer <token>');
    const m = /^Bearer\s+(\S+)\s*$/i.exec(header);
    if (!m) return this.fail('malformed_header', 'the Authorization header must be "Bearer <token>"');
    const token = m[1]!;
    if (ApiKeyVerifier.looksLikeKey(token)) {
      let r: Awaited<ReturnType<ApiKeyVerifier['verify']>>;
      try {
        r = await this.keys.verify(token, req.ip ?? req.socket.remoteAddress ?? 'unknown');
      } catch (err) {
        if (err instanceof TooManyRequestsError) this.onFailure('rate_limited');
        throw err;
      }
      if ('reason' in r) {
        return this.fail(
          r.reason,
          r.reason === 'agency_inactive' ? 'the agency is not active' : 'invalid API key',
        );
      }
      return {
        agencyId: r.agencyId,
        role: 'admin',
        userId: null,
        via: 'api_key',
        sessionId: null,
        siteAccess: 'all',
      };
    }
    if (this.shares && ShareTokens.looksLikeShareToken(token)) {
      const s = await this.shares.authenticate(token);
      if ('reason' in s)
        return this.fail(
          `share_${s.reason}`,
          s.reason === 'link_gone'
            ? 'this share link was revoked or has expired'
            : s.reason === 'expired'
              ? 'the share token has expired; open the link again'
              : 'invalid share token',
          s.reason === 'expired' ? 'token_expired' : 'unauthorized',
        );
      return s;
    }
    const v = await this.tokens.verify(token);
    if ('reason' in v)
      return this.fail(
        v.reason,
        v.reason === 'expired' ? 'the access token has expired; refresh it' : 'invalid access token',
        v.reason === 'expired' ? 'token_expired' : 'unauthorized',
      );
    const { rows } = await this.pool.query<{ agency_id: string; role: Role; site_access: SiteAccess }>(
      prepared(sql.checkSession, [v.claims.sessionId, v.claims.userId]),
    );
    const row = rows[0];
    if (!row) return this.fail('session_revoked', 'the session has ended; log in again');
    return {
      agencyId: row.agency_id,
      role: row.role,
      userId: v.claims.userId,
      via: 'user',
      sessionId: v.claims.sessionId,
      // Admins see every site whatever their row says (a demoted admin's grants then apply).
      siteAccess: row.role === 'admin' ? 'all' : row.site_access,
    };
  }

  private fail(reason: string, message: string, code = 'unauthorized'): never {
    this.onFailure(reason);
    throw new UnauthorizedError(message, code);
  }
}
