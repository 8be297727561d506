import { adminSql } from '@beacon/db';
import { randomBytes, randomInt } from 'node:crypto';
import bcrypt from 'bcryptjs';
import { z } from 'zod';
import { ADMINS } from '../auth/types.js';
import type { ApiDeps } from '../deps.js';
import { audit } from '../http/audit.js';
import { conflictOnUnique } from '../http/errors.js';
import type { RouteTable } from '../openapi/route-table.js';
import * as sql from '../sql/agency.js';
import { changesOf, emailField, isoStamps, stamps } from './schemas.js';

interface AgencyRow {
  id: string;
  name: string;
  email: string | null;
  config: Record<string, unknown> | null;
  status: string | null;
  created_at: Date;
  updated_at: Date;
}

const agencySchema = z
  .object({
    id: z.uuid(),
    name: z.string(),
    email: z.string().nullable(),
    status: z.string(),
    config: z.object({
      retention_months: z
        .number()
        .int()
        .nullable()
        .meta({ description: 'null: the installation default (RETENTION_MONTHS_DEFAULT)' }),
    }),
    ...stamps,
  })
  .meta({ id: 'Agency' });

const updateBody = changesOf(
  {
    name: z.string().trim().min(1).max(255),
    email: emailField,
    config: z
      .object({
        retention_months: z
          .number()
          .int()
          .min(1)
          .max(600)
          .nullable()
          .meta({ description: 'null resets to the installation default' }),
      })
      .partial()
      .strict(),
  },
  'AgencyUpdate',
);

function toAgency(r: AgencyRow): z.infer<typeof agencySchema> {
  const rm = r.config?.retention_months;
  return {
    id: r.id,
    name: r.name,
    email: r.email,
    status: r.status ?? 'active',
    config: { retention_months: typeof rm === 'number' ? rm : null },
    ...isoStamps(r),
  };
}

/** The agency's settings: admins only (what every role may read says so). */
const adminRoute = { tags: ['agency'], roles: ADMINS };
const BASE62 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/** The caller's own agency: read (any role), change settings incl. retention (admin), rotate the API key (admin). */
export function registerAgencyRoutes(t: RouteTable, d: ApiDeps): void {
  registerAgencySettings(t, d);
  registerKeyRotation(t, d);
}

function registerAgencySettings(t: RouteTable, d: ApiDeps): void {
  t.define(
    {
      route: 'get /v1/agency',
      summary: "The caller's agency and its settings",
      tags: ['agency'],
      responses: { 200: ['The agency', agencySchema] },
    },
    async ({ auth }) => toAgency((await d.pool.query<AgencyRow>(sql.findAgency, [auth.agencyId])).rows[0]!),
  );

  t.define(
    {
      route: 'patch /v1/agency',
      summary: 'Change the agency: name, contact email, retention_months',
      ...adminRoute,
      body: updateBody,
      responses: { 200: ['The changed agency', agencySchema], 409: 'The email is taken' },
    },
    async (ctx) => {
      const { auth, body } = ctx;
      try {
        const { rows } = await d.pool.query<AgencyRow>(sql.updateAgency, [
          auth.agencyId,
          body.name ?? null,
          body.email ?? null,
          body.config ? JSON.stringify(body.config) : null,
        ]);
        await audit(
          d,
          ctx,
          'agency.update',
          { type: 'agency', id: auth.agencyId },
          {
            changed: Object.keys(body),
            ...(body.config ? { config: body.config } : {}),
          },
        );
        return toAgency(rows[0]!);
      } catch (err) {
        throw conflictOnUnique(err, 'another agency uses this email');
      }
    },
  );
}

function registerKeyRotation(t: RouteTable, d: ApiDeps): void {
  t.define(
    {
      route: 'post /v1/agency/rotate-key',
      summary:
        'Replace the agency API key; the old key stops working at once. The new key is shown only here.',
      ...adminRoute,
      responses: { 200: ['The new key', z.object({ api_key: z.string() }).meta({ id: 'NewApiKey' })] },
    },
    async (ctx) => {
      const { auth, res } = ctx;
      const prefix = `bk_${randomBytes(4).toString('hex')}`;
      let secret = '';
      for (let i = 0; i < 32; i++) secret += BASE62[randomInt(BASE62.length)];
      const key = `${prefix}_${secret}`;
      await d.pool.query(adminSql.rotateAgencyKey, [auth.agencyId, await bcrypt.hash(key, 10), prefix]);
      await audit(d, ctx, 'api_key.rotate', { type: 'agency', id: auth.agencyId }, { key_prefix: prefix });
      res.setHeader('cache-control', 'no-store');
      return { api_key: key };
    },
  );
}
