import bcrypt from 'bcryptjs';
import { z } from 'zod';
import { ADMINS } from '../auth/types.js';
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
const password = z
  .string()
  .min(8, 'at least 8 characters')
  .max(72)
  .refine((p) => Buffer.byteLength(p, 'utf8') <= 72, 'at most 72 bytes (bcrypt ignores the rest)');
const email = z.string().trim().toLowerCase().max(255).pipe(z.email());
const name = z.string().trim().min(1).max(100).nullable();

const createBody = z
  .object({
    email,
    password,
    role: roleSchema,
    first_name: name.optional(),
    last_name: name.optional(),
    is_active: z.boolean().optional(),
  })
  .strict()
  .meta({ id: 'UserCreate' });

const updateBody = z
  .object({
    email: email.optional(),
    password: password.optional(),
    role: roleSchema.optional(),
    first_name: name.optional(),
    last_name: name.optional(),
    is_active: z.boolean().optional(),
  })
  .strict()
  .refine((b) => Object.keys(b).length > 0, 'give at least one field to change')
  .meta({ id: 'UserUpdate' });

const userParams = z.object({ userId: z.uuid() });

function lastAdmin(): ApiError {
  return new ConflictError('the agency must keep at least one active admin', { reason: 'last_admin' });
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
      try {
        const { rows } = await d.pool.query<UserRow>(sql.insertUser, [
          auth.agencyId,
          body.email,
          await bcrypt.hash(body.password, BCRYPT_ROUNDS),
          body.role,
          body.first_name ?? null,
          body.last_name ?? null,
          body.is_active ?? true,
        ]);
        await audit(
          d,
          ctx,
          'user.create',
          { type: 'user', id: rows[0]!.id },
          {
            email: body.email,
            role: body.role,
          },
        );
        return toUser(rows[0]!);
      } catch (err) {
        if ((err as { code?: string }).code === '23505')
          throw new ConflictError('a user with this email already exists');
        throw err;
      }
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
        ]);
        if (!rows[0]) throw new NotFoundError('user');
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
        return toUser(rows[0]);
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
