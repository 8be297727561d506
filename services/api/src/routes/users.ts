import bcrypt from 'bcryptjs';
import { z } from 'zod';
import { ADMINS, SITE_ACCESS, type AuthContext } from '../auth/types.js';
import { adminSql, type PoolClient } from '@beacon/db';
import type { ApiDeps } from '../deps.js';
import { audit } from '../http/audit.js';
import { ApiError, ConflictError, NotFoundError } from '../http/errors.js';
import { cursorParam, limitParam } from '../http/validate.js';
import type { RouteTable } from '../openapi/route-table.js';
import * as authSql from '../sql/auth.js';
import * as sql from '../sql/users.js';
import {
  decodeCursor,
  encodeCursor,
  pageOf,
  roleSchema,
  toUser,
  userSchema,
  type UserRow,
} from './schemas.js';

const BCRYPT_ROUNDS = 10;
// bcrypt reads only the first 72 bytes: refuse longer passwords rather than silently ignore the rest.
export const newPasswordField = z
  .string()
  .min(8, 'at least 8 characters')
  .max(72)
  .refine((p) => Buffer.byteLength(p, 'utf8') <= 72, 'at most 72 bytes (bcrypt ignores the rest)');
const email = z.string().trim().toLowerCase().max(255).pipe(z.email());
const name = z.string().trim().min(1).max(100).nullable();
export const siteAccessField = z.enum(SITE_ACCESS).meta({
  description:
    'all (default): every site of the agency; selected: only site_ids. Admins always see every site',
});
export const siteIdsField = z
  .array(z.uuid())
  .max(1000)
  .meta({ description: 'the sites granted (replaces the current list); each a site uuid of the agency' });

const createBody = z
  .object({
    email,
    password: newPasswordField,
    role: roleSchema,
    first_name: name.optional(),
    last_name: name.optional(),
    is_active: z.boolean().optional(),
    site_access: siteAccessField.optional(),
    site_ids: siteIdsField.optional(),
  })
  .strict()
  .meta({ id: 'UserCreate' });

const updateBody = z
  .object({
    email: email.optional(),
    password: newPasswordField.optional(),
    role: roleSchema.optional(),
    first_name: name.optional(),
    last_name: name.optional(),
    is_active: z.boolean().optional(),
    site_access: siteAccessField.optional(),
    site_ids: siteIdsField.optional(),
  })
  .strict()
  .refine((b) => Object.keys(b).length > 0, 'give at least one field to change')
  .meta({ id: 'UserUpdate' });

const userParams = z.object({ userId: z.uuid() });

/**
 * Sets a user's granted sites to exactly `siteIds` inside the caller's transaction. A uuid that is not a
 * site of the agency is a 400 (the same for another agency's site and none: nothing is revealed).
 */
export async function setUserSites(
  client: PoolClient,
  auth: AuthContext,
  userId: string,
  siteIds: readonly string[],
): Promise<void> {
  const wanted = [...new Set(siteIds)];
  const { rows } = await client.query<{ id: string }>(sql.sitesOfAgency, [auth.agencyId, wanted]);
  if (rows.length !== wanted.length) {
    const known = new Set(rows.map((r) => r.id));
    const index = siteIds.findIndex((id) => !known.has(id));
    throw new ApiError(400, 'invalid_request', 'invalid body: site_ids: not a site of the agency', {
      in: 'body',
      issues: [{ path: ['site_ids', index], code: 'unknown_site', message: 'not a site of the agency' }],
    });
  }
  await client.query(sql.replaceUserSites, [auth.agencyId, userId, wanted, auth.userId]);
}

function lastAdmin(): ApiError {
  return new ConflictError('the agency must keep at least one active admin', { reason: 'last_admin' });
}

/**
 * Inserts a user and its granted sites in one transaction. `hash` is the bcrypt of the password (or of
 * a random secret nobody knows, for an invited user until they set theirs). 409 when the email is taken.
 */
export async function insertUserWithSites(
  d: ApiDeps,
  auth: AuthContext,
  body: {
    email: string;
    role: UserRow['role'];
    first_name?: string | null | undefined;
    last_name?: string | null | undefined;
    is_active?: boolean | undefined;
    site_access?: (typeof SITE_ACCESS)[number] | undefined;
    site_ids?: string[] | undefined;
  },
  hash: string,
): Promise<UserRow> {
  const client = await d.pool.connect();
  try {
    await client.query('BEGIN');
    const { rows } = await client.query<UserRow>(adminSql.insertUser, [
      auth.agencyId,
      body.email,
      hash,
      body.role,
      body.first_name ?? null,
      body.last_name ?? null,
      body.is_active ?? true,
      body.site_access ?? 'all',
    ]);
    let user = rows[0]!;
    if (body.site_ids && body.site_ids.length > 0) {
      await setUserSites(client, auth, user.id, body.site_ids);
      user = (await client.query<UserRow>(sql.findUser, [auth.agencyId, user.id])).rows[0]!;
    }
    await client.query('COMMIT');
    return user;
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    if ((err as { code?: string }).code === '23505')
      throw new ConflictError('a user with this email already exists');
    throw err;
  } finally {
    client.release();
  }
}

/** Dashboard users of the caller's agency; admins only. */
export function registerUserRoutes(t: RouteTable, d: ApiDeps): void {
  t.define(
    {
      method: 'get',
      path: '/v1/users',
      summary: "The agency's dashboard users, by email",
      tags: ['users'],
      roles: ADMINS,
      request: { query: z.object({ limit: limitParam, cursor: cursorParam }).strict() },
      responses: { 200: { description: 'A page of users', schema: pageOf(userSchema, 'UserPage') } },
    },
    async ({ auth, query }) => {
      const cur = decodeCursor(query.cursor, ['text', 'uuid']);
      const { rows } = await d.pool.query<UserRow>(sql.listUsers, [
        auth.agencyId,
        cur?.[0] ?? null,
        cur?.[1] ?? null,
        query.limit + 1,
      ]);
      const page = rows.slice(0, query.limit);
      const last = page[page.length - 1];
      return {
        items: page.map(toUser),
        next_cursor: rows.length > query.limit && last ? encodeCursor([last.email, last.id]) : null,
      };
    },
  );

  t.define(
    {
      method: 'post',
      path: '/v1/users',
      summary: 'Create a dashboard user',
      tags: ['users'],
      roles: ADMINS,
      request: { body: createBody },
      responses: {
        201: { description: 'The new user', schema: userSchema },
        409: { description: 'The email is taken' },
      },
    },
    async (ctx) => {
      const { auth, body } = ctx;
      const hash = await bcrypt.hash(body.password, BCRYPT_ROUNDS);
      const user = await insertUserWithSites(d, auth, body, hash);
      await audit(
        d,
        ctx,
        'user.create',
        { type: 'user', id: user.id },
        { email: body.email, role: body.role },
      );
      return toUser(user);
    },
  );

  t.define(
    {
      method: 'get',
      path: '/v1/users/:userId',
      summary: 'One dashboard user',
      tags: ['users'],
      roles: ADMINS,
      request: { params: userParams },
      responses: { 200: { description: 'The user', schema: userSchema } },
    },
    async ({ auth, params }) => {
      const { rows } = await d.pool.query<UserRow>(sql.findUser, [auth.agencyId, params.userId]);
      if (!rows[0]) throw new NotFoundError('user');
      return toUser(rows[0]);
    },
  );

  t.define(
    {
      method: 'patch',
      path: '/v1/users/:userId',
      summary: 'Change a user (role, activation, password, names, email)',
      description:
        'The last active admin of an agency cannot be demoted or deactivated (409). Deactivating a user or changing the password ends their sessions.',
      tags: ['users'],
      roles: ADMINS,
      request: { params: userParams, body: updateBody },
      responses: {
        200: { description: 'The changed user', schema: userSchema },
        409: { description: 'Last admin, or the email is taken' },
      },
    },
    async (ctx) => {
      const { auth, params, body } = ctx;
      const hash = body.password ? await bcrypt.hash(body.password, BCRYPT_ROUNDS) : null;
      const client = await d.pool.connect();
      try {
        await client.query('BEGIN');
        const admins = (await client.query<{ id: string }>(sql.lockActiveAdmins, [auth.agencyId])).rows.map(
          (r) => r.id,
        );
        const losesAdmin = (body.role !== undefined && body.role !== 'admin') || body.is_active === false;
        if (losesAdmin && admins.length === 1 && admins[0] === params.userId) throw lastAdmin();
        const { rows } = await client.query<UserRow>(sql.updateUser, [
          auth.agencyId,
          params.userId,
          body.email ?? null,
          hash,
          body.role ?? null,
          body.first_name === undefined ? null : body.first_name,
          body.last_name === undefined ? null : body.last_name,
          body.is_active ?? null,
          body.site_access ?? null,
        ]);
        if (!rows[0]) throw new NotFoundError('user');
        let user = rows[0];
        if (body.site_ids !== undefined) {
          await setUserSites(client, auth, params.userId, body.site_ids);
          user = (await client.query<UserRow>(sql.findUser, [auth.agencyId, params.userId])).rows[0]!;
        }
        if (body.is_active === false)
          await client.query(authSql.revokeUserSessions, [params.userId, 'deactivated']);
        else if (hash) await client.query(authSql.revokeUserSessions, [params.userId, 'password_changed']);
        await client.query('COMMIT');
        // Which fields changed, and the new role / activation; never the password.
        await audit(
          d,
          ctx,
          body.role !== undefined ? 'user.role' : 'user.update',
          { type: 'user', id: params.userId },
          {
            changed: Object.keys(body),
            ...(body.role !== undefined ? { role: body.role } : {}),
            ...(body.is_active !== undefined ? { is_active: body.is_active } : {}),
          },
        );
        return toUser(user);
      } catch (err) {
        await client.query('ROLLBACK').catch(() => undefined);
        if ((err as { code?: string }).code === '23505')
          throw new ConflictError('a user with this email already exists');
        throw err;
      } finally {
        client.release();
      }
    },
  );

  t.define(
    {
      method: 'delete',
      path: '/v1/users/:userId',
      summary: 'Delete a user (their sessions end)',
      description: 'The last active admin of an agency cannot be deleted (409).',
      tags: ['users'],
      roles: ADMINS,
      request: { params: userParams },
      responses: { 204: { description: 'Deleted' }, 409: { description: 'Last admin' } },
    },
    async (ctx) => {
      const { auth, params } = ctx;
      const client = await d.pool.connect();
      try {
        await client.query('BEGIN');
        const admins = (await client.query<{ id: string }>(sql.lockActiveAdmins, [auth.agencyId])).rows.map(
          (r) => r.id,
        );
        if (admins.length === 1 && admins[0] === params.userId) throw lastAdmin();
        const gone = await client.query<{ email: string }>(sql.findUser, [auth.agencyId, params.userId]);
        const { rowCount } = await client.query(sql.deleteUser, [auth.agencyId, params.userId]);
        if (!rowCount) throw new NotFoundError('user');
        await client.query('COMMIT');
        await audit(
          d,
          ctx,
          'user.delete',
          { type: 'user', id: params.userId },
          { email: gone.rows[0]?.email },
        );
        return undefined;
      } catch (err) {
        await client.query('ROLLBACK').catch(() => undefined);
        throw err;
      } finally {
        client.release();
      }
    },
  );
}
