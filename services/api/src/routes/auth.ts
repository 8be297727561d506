import bcrypt from 'bcryptjs';
import type { Request, Response } from 'express';
import { z } from 'zod';
import { hashRefreshToken, newRefreshToken } from '../auth/tokens.js';
import type { ApiDeps } from '../deps.js';
import { TooManyRequestsError, UnauthorizedError } from '../http/errors.js';
import type { RouteTable } from '../openapi/route-table.js';
import * as sql from '../sql/auth.js';
import * as agencySql from '../sql/agency.js';
import * as userSql from '../sql/users.js';
import { roleSchema, toUser, userSchema, type UserRow } from './schemas.js';

/** The refresh-token cookie: httpOnly, SameSite=Strict, sent only to the auth routes. */
export const REFRESH_COOKIE = 'beacon_refresh';
const COOKIE_PATH = '/v1/auth';

// A real bcrypt hash of a random string: comparing against it when the email is unknown keeps the
// answer time the same as for a wrong password (no account enumeration by timing).
const DUMMY_HASH = bcrypt.hashSync(`beacon-dummy-${Math.random()}`, 10);

const tokenAnswer = z
  .object({
    access_token: z.string(),
    token_type: z.literal('Bearer'),
    expires_in: z.number().int().meta({ description: 'seconds' }),
    refresh_token: z
      .string()
      .meta({ description: 'also set as the httpOnly cookie beacon_refresh (path /v1/auth)' }),
    refresh_expires_at: z.string(),
    user: userSchema,
  })
  .meta({ id: 'TokenAnswer' });

const loginBody = z
  .object({ email: z.string().trim().min(3).max(255), password: z.string().min(1).max(1024) })
  .strict()
  .meta({ id: 'LoginRequest' });

const refreshBody = z
  .object({ refresh_token: z.string().min(10).max(200).optional() })
  .strict()
  .meta({ description: 'refresh_token here, or in the beacon_refresh cookie' });

const meAnswer = z
  .object({
    via: z.enum(['user', 'api_key']),
    role: roleSchema,
    agency: z.object({ id: z.uuid(), name: z.string(), status: z.string() }),
    user: userSchema.nullable(),
  })
  .meta({ id: 'Me' });

function clientIp(req: Request): string {
  return req.ip ?? req.socket.remoteAddress ?? 'unknown';
}

export function registerAuthRoutes(t: RouteTable, d: ApiDeps): void {
  const setCookie = (res: Response, token: string, expires: Date) =>
    res.cookie(REFRESH_COOKIE, token, {
      httpOnly: true,
      secure: d.config.api.cookieSecure,
      sameSite: 'strict',
      path: COOKIE_PATH,
      expires,
    });
  const clearCookie = (res: Response) =>
    res.clearCookie(REFRESH_COOKIE, {
      httpOnly: true,
      secure: d.config.api.cookieSecure,
      sameSite: 'strict',
      path: COOKIE_PATH,
    });
  const fail = (reason: string, message = 'wrong email or password'): never => {
    d.metrics.authFailures.inc({ reason });
    throw new UnauthorizedError(message, 'invalid_credentials');
  };

  t.define(
    {
      method: 'post',
      path: '/v1/auth/login',
      summary: 'Log in with email and password',
      description:
        'Answers a short-lived access token (send it as Authorization: Bearer) and a refresh token (also set as an httpOnly cookie). ' +
        'Failed attempts are limited per IP and per account (429 with Retry-After).',
      tags: ['auth'],
      auth: false,
      request: { body: loginBody },
      responses: {
        200: { description: 'Logged in', schema: tokenAnswer },
        401: { description: 'Wrong email or password, or inactive user' },
        429: { description: 'Too many failed attempts' },
      },
    },
    async ({ body, req, res }) => {
      const ip = clientIp(req);
      const email = body.email.toLowerCase();
      try {
        await d.loginLimiter.check(ip, email);
      } catch (err) {
        if (err instanceof TooManyRequestsError) d.metrics.authFailures.inc({ reason: 'rate_limited' });
        throw err;
      }
      const { rows } = await d.pool.query<{
        id: string;
        agency_id: string;
        password_hash: string;
        is_active: boolean;
        agency_status: string | null;
      }>(sql.findUserForLogin, [email]);
      const u = rows[0];
      const ok = await bcrypt.compare(body.password, u?.password_hash ?? DUMMY_HASH);
      if (!u || !ok) {
        await d.loginLimiter.failed(ip, email);
        return fail(u ? 'bad_password' : 'unknown_user');
      }
      // Checked after the password so these answers do not reveal which emails exist.
      if (!u.is_active) return fail('inactive_user', 'this account is deactivated');
      if ((u.agency_status ?? 'active') !== 'active')
        return fail('agency_inactive', 'the agency is not active');
      await d.loginLimiter.succeeded(email);
      return issue(u.id, req, res, null);
    },
  );

  /** Creates the login session (or rotates it) and answers the token pair. */
  async function issue(
    userId: string,
    req: Request,
    res: Response,
    rotated: { sessionId: string; expiresAt: Date; refresh: string } | null,
  ) {
    let sessionId: string;
    let expiresAt: Date;
    let refresh: string;
    if (rotated) {
      ({ sessionId, expiresAt, refresh } = rotated);
    } else {
      refresh = newRefreshToken();
      const { rows } = await d.pool.query<{ id: string; expires_at: Date }>(sql.insertSession, [
        userId,
        hashRefreshToken(refresh),
        d.config.api.refreshTokenTtlS,
        req.headers['user-agent'] ?? null,
        clientIp(req),
      ]);
      sessionId = rows[0]!.id;
      expiresAt = rows[0]!.expires_at;
      await d.pool.query(sql.touchLastLogin, [userId]);
    }
    const { rows } = await d.pool.query<UserRow>(userSql.findUserById, [userId]);
    const user = rows[0]!;
    const access = await d.tokens.sign({ userId, agencyId: user.agency_id, role: user.role, sessionId });
    setCookie(res, refresh, expiresAt);
    res.setHeader('cache-control', 'no-store');
    return {
      access_token: access,
      token_type: 'Bearer' as const,
      expires_in: d.tokens.ttl,
      refresh_token: refresh,
      refresh_expires_at: expiresAt.toISOString(),
      user: toUser(user),
    };
  }

  t.define(
    {
      method: 'post',
      path: '/v1/auth/refresh',
      summary: 'Trade a refresh token for a new token pair (the old refresh token stops working)',
      description: 'Replaying an already-used refresh token ends the whole login session (it has leaked).',
      tags: ['auth'],
      auth: false,
      request: { body: refreshBody },
      responses: {
        200: { description: 'New tokens', schema: tokenAnswer },
        401: { description: 'Unknown, used, expired or revoked refresh token' },
      },
    },
    async ({ body, req, res }) => {
      const presented =
        body.refresh_token ?? (req.cookies as Record<string, string> | undefined)?.[REFRESH_COOKIE];
      if (!presented) return fail('missing_refresh', 'no refresh token (body refresh_token or cookie)');
      const oldHash = hashRefreshToken(presented);
      const next = newRefreshToken();
      const { rows } = await d.pool.query<{ id: string; user_id: string; expires_at: Date }>(
        sql.rotateRefresh,
        [oldHash, hashRefreshToken(next), d.config.api.refreshTokenTtlS],
      );
      const s = rows[0];
      if (!s) {
        const reused = await d.pool.query(sql.revokeOnReuse, [oldHash]);
        clearCookie(res);
        return fail(
          reused.rowCount ? 'refresh_reuse' : 'invalid_refresh',
          'the refresh token is not valid; log in again',
        );
      }
      return issue(s.user_id, req, res, { sessionId: s.id, expiresAt: s.expires_at, refresh: next });
    },
  );

  t.define(
    {
      method: 'post',
      path: '/v1/auth/logout',
      summary: 'End the login session (its access and refresh tokens stop working at once)',
      tags: ['auth'],
      auth: false,
      request: { body: refreshBody.optional() },
      responses: { 204: { description: 'Logged out (also when the session had already ended)' } },
    },
    async ({ body, req, res }) => {
      const presented =
        body?.refresh_token ?? (req.cookies as Record<string, string> | undefined)?.[REFRESH_COOKIE];
      if (presented) await d.pool.query(sql.revokeByRefresh, [hashRefreshToken(presented)]);
      // An access token ends its own session too (a dashboard that lost its cookie can still log out).
      const header = req.headers.authorization;
      if (header && /^Bearer\s+/i.test(header)) {
        const v = await d.tokens.verify(header.replace(/^Bearer\s+/i, '').trim());
        if ('claims' in v) await d.pool.query(sql.revokeSession, [v.claims.sessionId, v.claims.userId]);
      }
      clearCookie(res);
      return undefined;
    },
  );

  t.define(
    {
      method: 'get',
      path: '/v1/me',
      summary: 'Who is calling: user (or API key), role and agency',
      tags: ['auth'],
      responses: { 200: { description: 'The caller', schema: meAnswer } },
    },
    async ({ auth }) => {
      const a = await d.pool.query<{ id: string; name: string; status: string | null }>(
        agencySql.findAgency,
        [auth.agencyId],
      );
      const user = auth.userId
        ? (await d.pool.query<UserRow>(userSql.findUser, [auth.agencyId, auth.userId])).rows[0]
        : undefined;
      return {
        via: auth.via,
        role: auth.role,
        agency: { id: a.rows[0]!.id, name: a.rows[0]!.name, status: a.rows[0]!.status ?? 'active' },
        user: user ? toUser(user) : null,
      };
    },
  );
}
