import { z } from 'zod';
import { recordAdminAction } from '../admin-actions.js';
import { ADMINS } from '../auth/types.js';
import type { ApiDeps } from '../deps.js';
import { NotFoundError } from '../http/errors.js';
import { siteIdParam } from '../http/validate.js';
import type { RouteTable } from '../openapi/route-table.js';
import * as sql from '../sql/users.js';
import { toUser, userSchema, type UserRow } from './schemas.js';

const userParams = z.object({ siteId: siteIdParam, userId: z.uuid() });

/**
 * Per-site access of client logins (admins only): who is granted a site, grant, revoke. A grant limits
 * nothing by itself: it is what a user with site_access 'selected' may see (PATCH /v1/users/:userId).
 */
export function registerSiteAccessRoutes(t: RouteTable, d: ApiDeps): void {
  t.define(
    {
      route: 'get /v1/sites/:siteId/access',
      summary: 'Users granted this site (what logins limited to selected sites see)',
      tags: ['users'],
      roles: ADMINS,
      responses: {
        200: [
          'The users granted the site, by email',
          z.object({ items: z.array(userSchema) }).meta({ id: 'SiteAccessList' }),
        ],
      },
    },
    async ({ auth, site }) => {
      const { rows } = await d.pool.query<UserRow>(sql.usersOfSite, [auth.agencyId, site.id]);
      return { items: rows.map(toUser) };
    },
  );

  t.define(
    {
      route: 'put /v1/sites/:siteId/access/:userId',
      summary: 'Grant a user this site (idempotent)',
      tags: ['users'],
      roles: ADMINS,
      params: userParams,
      responses: { 200: ['The user, with the site granted', userSchema] },
    },
    async ({ auth, site, params }) => {
      const { rowCount } = await d.pool.query(sql.grantSite, [
        auth.agencyId,
        params.userId,
        site.id,
        auth.userId,
      ]);
      if (!rowCount) throw new NotFoundError('user');
      recordAdminAction(d, auth, 'site_access.grant', { user_id: params.userId, site_id: site.id });
      const { rows } = await d.pool.query<UserRow>(sql.findUser, [auth.agencyId, params.userId]);
      return toUser(rows[0]!);
    },
  );

  t.define(
    {
      route: 'delete /v1/sites/:siteId/access/:userId',
      summary: "Revoke a user's grant of this site (applies to their next request)",
      tags: ['users'],
      roles: ADMINS,
      params: userParams,
      responses: { 204: 'Revoked' },
    },
    async ({ auth, site, params }) => {
      const { rowCount } = await d.pool.query(sql.revokeSite, [auth.agencyId, params.userId, site.id]);
      if (!rowCount) throw new NotFoundError('grant');
      recordAdminAction(d, auth, 'site_access.revoke', { user_id: params.userId, site_id: site.id });
      return undefined;
    },
  );
}
