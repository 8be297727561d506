import bcrypt from 'bcryptjs';
import { z } from 'zod';
import { ADMINS, SITE_ACCESS, type AuthContext } from '../auth/types.js';
import { adminSql, inTransaction, type PoolClient } from '@beacon/db';
import type { ApiDeps } from '../deps.js';
import { audit } from '../http/audit.js';
import { ConflictError, conflictOnUnique, invalidBodyField, NotFoundError } from '../http/errors.js';
import { pageQuery } from '../http/validate.js';
import type { RouteTable } from '../openapi/route-table.js';
import * as authSql from '../sql/auth.js';
import * as sql from '../sql/users.js';
import { decodeCursor, keysetPage } from './keyset.js';
import {
  changesOf,
  emailField as email,
  newPasswordField,
  pageOf,
  personNameField as name,
  roleSchema,
  toUser,
  userSchema,
  type UserRow,
} from './schemas.js';

const BCRYPT_ROUNDS = 10;
export const siteAccessField = z.enum(SITE_ACCESS).meta({
  description:
    'all (default): every site of the agency; selected: only site_ids. Admins always see every site',
});
export const siteIdsField = z
  .array(z.uuid())
  .max(1000)
  .meta({ description: 'the sites granted (replaces the current list); each a site uuid of the agency' });

/** What an admin may give of a user beside the login: each optional (an invitation too). */
export const userDetails = z
  .object({
    first_name: name,
    last_name: name,
    is_active: z.boolean(),
    site_access: siteAccessField,
    site_ids: siteIdsField,
  })
  .partial();
const userLogin = { email, password: newPasswordField, role: roleSchema };

const createBody = z
  .object({ ...userLogin, ...userDetails.shape })
  .strict()
  .meta({ id: 'UserCreate' });
const updateBody = changesOf({ ...userLogin, ...userDetails.shape }, 'UserUpdate');

const userParams = z.object({ userId: z.uuid() });
const EMAIL_TAKEN = 'a user with this email already exists';
/** Every route here: the users tag, admins only. */
export const adminRoute = { tags: ['users'], roles: ADMINS };

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
    const message = 'not a site of the agency';
    throw invalidBodyField('site_ids', { path: ['site_ids', index], code: 'unknown_site', message });
  }
  await client.query(sql.replaceUserSites, [auth.agencyId, userId, wanted, auth.userId]);
}

/** The user as it is now, inside the transaction that changed it. */
async function userIn(client: PoolClient, auth: AuthContext, userId: string): Promise<UserRow> {
  return (await client.query<UserRow>(sql.findUser, [auth.agencyId, userId])).rows[0]!;
}

/**
 * Locks the agency's active admins and refuses (409) a change that would leave it without one: the
 * user is the last of them and `losesAdmin` (demoted, deactivated or deleted).
 */
async function keepAnAdmin(client: PoolClient, auth: AuthContext, userId: string, losesAdmin: boolean) {
  const { rows } = await client.query<{ id: string }>(sql.lockActiveAdmins, [auth.agencyId]);
  if (losesAdmin && rows.length === 1 && rows[0]!.id === userId)
    throw new ConflictError('the agency must keep at least one active admin', { reason: 'last_admin' });
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
  try {
    return await inTransaction(d.pool, async (client) => {
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
      if (!body.site_ids || body.site_ids.length === 0) return rows[0]!;
      await setUserSites(client, auth, rows[0]!.id, body.site_ids);
      return userIn(client, auth, rows[0]!.id);
    });
  } catch (err) {
    throw conflictOnUnique(err, EMAIL_TAKEN);
  }
}

type UserUpdate = z.infer<typeof updateBody>;

/**
 * Applies a change in one transaction: the last admin kept, the granted sites replaced when given, the
 * user's sessions ended when deactivated or given a new password (`hash`).
 */
async function updateUser(
  d: ApiDeps,
  auth: AuthContext,
  userId: string,
  body: UserUpdate,
  hash: string | null,
): Promise<UserRow> {
  try {
    return await inTransaction(d.pool, async (client) => {
      const losesAdmin = (body.role !== undefined && body.role !== 'admin') || body.is_active === false;
      await keepAnAdmin(client, auth, userId, losesAdmin);
      const { rows } = await client.query<UserRow>(sql.updateUser, [
        auth.agencyId,
        userId,
        body.email ?? null,
        hash,
        body.role ?? null,
        body.first_name === undefined ? null : body.first_name,
        body.last_name === undefined ? null : body.last_name,
        body.is_active ?? null,
        body.site_access ?? null,
      ]);
      if (!rows[0]) throw new NotFoundError('user');
      if (body.site_ids !== undefined) await setUserSites(client, auth, userId, body.site_ids);
      if (body.is_active === false) await client.query(authSql.revokeUserSessions, [userId, 'deactivated']);
      else if (hash) await client.query(authSql.revokeUserSessions, [userId, 'password_changed']);
      return body.site_ids !== undefined ? userIn(client, auth, userId) : rows[0];
    });
  } catch (err) {
    throw conflictOnUnique(err, EMAIL_TAKEN);
  }
}

/** Dashboard users of the caller's agency; admins only. */
export function registerUserRoutes(t: RouteTable, d: ApiDeps): void {
  registerUserReads(t, d);
  registerUserCreate(t, d);
  registerUserUpdate(t, d);
  registerUserDelete(t, d);
}

function registerUserReads(t: RouteTable, d: ApiDeps): void {
  t.define(
    {
      route: 'get /v1/users',
      summary: "The agency's dashboard users, by email",
      ...adminRoute,
      query: pageQuery,
      responses: { 200: ['A page of users', pageOf(userSchema, 'UserPage')] },
    },
    async ({ auth, query }) => {
      const after = decodeCursor(query.cursor, ['text', 'uuid']);
      const { rows } = await d.pool.query<UserRow>(sql.listUsers, [auth.agencyId, ...after, query.limit + 1]);
      return keysetPage(rows, query.limit, toUser, (u) => [u.email, u.id]);
    },
  );
  t.define(
    {
      route: 'get /v1/users/:userId',
      summary: 'One dashboard user',
      ...adminRoute,
      params: userParams,
      responses: { 200: ['The user', userSchema] },
    },
    async ({ auth, params }) => {
      const { rows } = await d.pool.query<UserRow>(sql.findUser, [auth.agencyId, params.userId]);
      if (!rows[0]) throw new NotFoundError('user');
      return toUser(rows[0]);
    },
  );
}

function registerUserCreate(t: RouteTable, d: ApiDeps): void {
  t.define(
    {
      route: 'post /v1/users',
      summary: 'Create a dashboard user',
      ...adminRoute,
      body: createBody,
      responses: { 201: ['The new user', userSchema], 409: 'The email is taken' },
    },
    async (ctx) => {
      const { auth, body } = ctx;
      const hash = await bcrypt.hash(body.password, BCRYPT_ROUNDS);
      const user = await insertUserWithSites(d, auth, body, hash);
      const details = { email: body.email, role: body.role };
      await audit(d, ctx, 'user.create', { type: 'user', id: user.id }, details);
      return toUser(user);
    },
  );
}

function registerUserUpdate(t: RouteTable, d: ApiDeps): void {
  t.define(
    {
      route: 'patch /v1/users/:userId',
      summary: 'Change a user (role, activation, password, names, email)',
      description:
        'The last active admin of an agency cannot be demoted or deactivated (409). Deactivating a user or changing the password ends their sessions.',
      ...adminRoute,
      params: userParams,
      body: updateBody,
      responses: { 200: ['The changed user', userSchema], 409: 'Last admin, or the email is taken' },
    },
    async (ctx) => {
      const { auth, params, body } = ctx;
      const hash = body.password ? await bcrypt.hash(body.password, BCRYPT_ROUNDS) : null;
      const user = await updateUser(d, auth, params.userId, body, hash);
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
    },
  );
}

function registerUserDelete(t: RouteTable, d: ApiDeps): void {
  t.define(
    {
      route: 'delete /v1/users/:userId',
      summary: 'Delete a user (their sessions end)',
      description: 'The last active admin of an agency cannot be deleted (409).',
      ...adminRoute,
      params: userParams,
      responses: { 204: 'Deleted', 409: 'Last admin' },
    },
    async (ctx) => {
      const { auth, params } = ctx;
      const email = await inTransaction(d.pool, async (client) => {
        await keepAnAdmin(client, auth, params.userId, true);
        const gone = await client.query<{ email: string }>(sql.findUser, [auth.agencyId, params.userId]);
        const { rowCount } = await client.query(sql.deleteUser, [auth.agencyId, params.userId]);
        if (!rowCount) throw new NotFoundError('user');
        return gone.rows[0]?.email;
      });
      await audit(d, ctx, 'user.delete', { type: 'user', id: params.userId }, { email });
      return undefined;
    },
  );
}
