import bcrypt from 'bcryptjs';
import type { Request, Response } from 'express';
import { z } from 'zod';
import { takeAttempt } from '../auth/attempts.js';
import { hashRefreshToken, newRefreshToken } from '../auth/tokens.js';
import type { ApiDeps } from '../deps.js';
import { clientIp } from '../http/client-ip.js';
import { UnauthorizedError } from '../http/errors.js';
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
    refresh_expires_at: z.string().meta({
      description:
        'when the refresh token (only in the httpOnly cookie beacon_refresh, path /v1/auth; never in a body) expires unless used',
    }),
    user: userSchema,
  })
  .meta({ id: 'TokenAnswer' });

const loginBody = z
  .object({ email: z.string().trim().min(3).max(255), password: z.string().min(1).max(1024) })
  .strict()
  .meta({ id: 'LoginRequest' });

// The refresh token travels only in its httpOnly cookie: never readable by page scripts, never in a body.
const refreshBody = z
  .object({})
  .strict()
  .meta({ description: 'empty: the refresh token is read from the beacon_refresh cookie' });

function refreshCookie(req: Request): string | undefined {
  const v = (req.cookies as Record<string, unknown> | undefined)?.[REFRESH_COOKIE];
  return typeof v === 'string' && v.length >= 10 && v.length <= 200 ? v : undefined;
}

const meAnswer = z
  .object({
    via: z.enum(['user', 'api_key']),
    role: roleSchema,
    agency: z.object({ id: z.uuid(), name: z.string(), status: z.string() }),
    user: userSchema.nullable(),
  })
  .meta({ id: 'Me' });

type Rotated = { sessionId: string; expiresAt: Date; refresh: string };

/** The refresh cookie's flags: httpOnly, SameSite=Strict, only on the auth routes. */
const cookieOptions = (d: ApiDeps) => ({
  httpOnly: true,
  secure: d.config.api.cookieSecure,
  sameSite: 'strict' as const,
  path: COOKIE_PATH,
});

/** Counts a failed authentication and answers 401 invalid_credentials. */
function fail(d: ApiDeps, reason: string, message = 'wrong email or password'): never {
  d.metrics.authFailures.inc({ reason });
  throw new UnauthorizedError(message, 'invalid_credentials');
}

/** A new login session of the user: its refresh token and when it expires. */
async function openSession(d: ApiDeps, userId: string, req: Request): Promise<Rotated> {
  const refresh = newRefreshToken();
  const { rows } = await d.pool.query<{ id: string; expires_at: Date }>(sql.insertSession, [
    userId,
    hashRefreshToken(refresh),
    d.config.api.refreshTokenTtlS,
    req.headers['user-agent'] ?? null,
    clientIp(req) ?? 'unknown',
  ]);
  await d.pool.query(sql.touchLastLogin, [userId]);
  return { sessionId: rows[0]!.id, expiresAt: rows[0]!.expires_at, refresh };
}

/** Creates the login session (or takes the rotated one) and answers the token pair. */
async function issue(d: ApiDeps, userId: string, req: Request, res: Response, rotated: Rotated | null) {
  const { sessionId, expiresAt, refresh } = rotated ?? (await openSession(d, userId, req));
  const { rows } = await d.pool.query<UserRow>(userSql.findUserById, [userId]);
  const user = rows[0]!;
  const access = await d.tokens.sign({ userId, agencyId: user.agency_id, role: user.role, sessionId });
  res.cookie(REFRESH_COOKIE, refresh, { ...cookieOptions(d), expires: expiresAt });
  res.setHeader('cache-control', 'no-store');
  return {
    access_token: access,
    token_type: 'Bearer' as const,
    expires_in: d.tokens.ttl,
    refresh_expires_at: expiresAt.toISOString(),
    user: toUser(user),
  };
}

export function registerAuthRoutes(t: RouteTable, d: ApiDeps): void {
  registerLogin(t, d);
  registerRefresh(t, d);
  registerLogout(t, d);
  registerMe(t, d);
}

function registerLogin(t: RouteTable, d: ApiDeps): void {
  t.define(
    {
      route: 'post /v1/auth/login',
      summary: 'Log in with email and password',
      description:
        'Answers a short-lived access token (send it as Authorization: Bearer); the refresh token is set only as an httpOnly cookie (beacon_refresh, path /v1/auth). ' +
        'Attempts are limited per IP and per account: each takes a point before the password is checked and a success gives it back, so past the limit every attempt gets 429 with Retry-After. ' +
        'Password checks run a few at a time; when too many wait the answer is 503 with Retry-After.',
      tags: ['auth'],
      auth: false,
      body: loginBody,
      responses: {
        200: ['Logged in', tokenAnswer],
        401: 'Wrong email or password, or inactive user',
        429: 'Too many failed attempts',
        503: 'Too many password checks in progress; retry after Retry-After',
      },
    },
    async ({ body, req, res }) => {
      const email = body.email.toLowerCase();
      // Consume first (atomic), refund on success: concurrent guesses cannot all slip under the limit.
      const attempt = await takeAttempt(d, d.throttle, req, 'rate_limited', email);
      const { rows } = await d.pool.query<{
        id: string;
        agency_id: string;
        password_hash: string;
        is_active: boolean;
        agency_status: string | null;
      }>(sql.findUserForLogin, [email]);
      const u = rows[0];
      const ok = await d.bcrypt.compare(body.password, u?.password_hash ?? DUMMY_HASH);
      if (!u || !ok) return fail(d, u ? 'bad_password' : 'unknown_user');
      // Checked after the password so these answers do not reveal which emails exist.
      if (!u.is_active) return fail(d, 'inactive_user', 'this account is deactivated');
      if ((u.agency_status ?? 'active') !== 'active')
        return fail(d, 'agency_inactive', 'the agency is not active');
      await attempt.succeeded();
      return issue(d, u.id, req, res, null);
    },
  );
}

function registerRefresh(t: RouteTable, d: ApiDeps): void {
  t.define(
    {
      route: 'post /v1/auth/refresh',
      summary:
        'Trade the refresh cookie for a new access token and refresh cookie (the old refresh token stops working)',
      description:
        'Reads the refresh token from the beacon_refresh cookie only. Replaying any refresh token the session already rotated away from ends the whole login session (the family has leaked), whoever holds its newest token.',
      tags: ['auth'],
      auth: false,
      body: refreshBody.optional(),
      responses: { 200: ['New tokens', tokenAnswer], 401: 'Unknown, used, expired or revoked refresh token' },
    },
    async ({ req, res }) => {
      const presented = refreshCookie(req);
      if (!presented) return fail(d, 'missing_refresh', 'no refresh token (the beacon_refresh cookie)');
      const oldHash = hashRefreshToken(presented);
      const next = newRefreshToken();
      const { rows } = await d.pool.query<{ id: string; user_id: string; expires_at: Date }>(
        sql.rotateRefresh,
        [oldHash, hashRefreshToken(next), d.config.api.refreshTokenTtlS],
      );
      const s = rows[0];
      if (!s) {
        const reused = await d.pool.query(sql.revokeOnReuse, [oldHash]);
        res.clearCookie(REFRESH_COOKIE, cookieOptions(d));
        return fail(
          d,
          reused.rowCount ? 'refresh_reuse' : 'invalid_refresh',
          'the refresh token is not valid; log in again',
        );
      }
      return issue(d, s.user_id, req, res, { sessionId: s.id, expiresAt: s.expires_at, refresh: next });
    },
  );
}

function registerLogout(t: RouteTable, d: ApiDeps): void {
  t.define(
    {
      route: 'post /v1/auth/logout',
      summary: 'End the login session (its access and refresh tokens stop working at once)',
      tags: ['auth'],
      auth: false,
      body: refreshBody.optional(),
      responses: { 204: 'Logged out (also when the session had already ended)' },
    },
    async ({ req, res }) => {
      const presented = refreshCookie(req);
      if (presented) await d.pool.query(sql.revokeByRefresh, [hashRefreshToken(presented)]);
      // An access token ends its own session too (a dashboard that lost its cookie can still log out).
      const header = req.headers.authorization;
      if (header && /^Bearer\s+/i.test(header)) {
        const v = await d.tokens.verify(header.replace(/^Bearer\s+/i, '').trim());
        if ('claims' in v) await d.pool.query(sql.revokeSession, [v.claims.sessionId, v.claims.userId]);
      }
      res.clearCookie(REFRESH_COOKIE, cookieOptions(d));
      return undefined;
    },
  );
}

function registerMe(t: RouteTable, d: ApiDeps): void {
  t.define(
    {
      route: 'get /v1/me',
      summary: 'Who is calling: user (or API key), role and agency',
      tags: ['auth'],
      responses: { 200: ['The caller', meAnswer] },
    },
    async ({ auth }) => {
      // Side by side on two pool connections: one round trip of waiting instead of two.
      const [a, u] = await Promise.all([
        d.pool.query<{ id: string; name: string; status: string | null }>(agencySql.findAgency, [
          auth.agencyId,
        ]),
        auth.userId ? d.pool.query<UserRow>(userSql.findUser, [auth.agencyId, auth.userId]) : undefined,
      ]);
      const user = u?.rows[0];
      return {
        via: auth.via,
        role: auth.role,
        agency: { id: a.rows[0]!.id, name: a.rows[0]!.name, status: a.rows[0]!.status ?? 'active' },
        user: user ? toUser(user) : null,
      };
    },
  );
}
