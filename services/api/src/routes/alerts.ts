import { z } from 'zod';
import { recordAdminAction } from '../admin-actions.js';
import { WRITERS } from '../auth/types.js';
import type { ApiDeps } from '../deps.js';
import { NotFoundError } from '../http/errors.js';
import { siteIdParam } from '../http/validate.js';
import type { RouteTable } from '../openapi/route-table.js';
import * as sql from '../sql/alerts.js';
import { iso } from './schemas.js';

const recipients = z
  .array(z.string().trim().toLowerCase().max(255).pipe(z.email()))
  .min(1)
  .max(50)
  .transform((l) => [...new Set(l)]);
const fields = {
  spike_pct: z
    .number()
    .int()
    .min(10)
    .max(10_000)
    .meta({ description: 'alert when the hour is this % above usual (default 100: twice)' }),
  drop_pct: z
    .number()
    .int()
    .min(10)
    .max(100)
    .meta({ description: 'alert when the hour is this % below usual (default 50)' }),
  min_usual: z
    .number()
    .int()
    .min(1)
    .max(1_000_000)
    .meta({ description: 'no alert while the usual hour has fewer page views (default 20)' }),
  cooldown_h: z
    .number()
    .int()
    .min(1)
    .max(720)
    .meta({ description: 'hours without another alert after one (default 6)' }),
};

const alertSchema = z
  .object({
    id: z.uuid(),
    recipients: z.array(z.string()),
    spike_pct: z.number().int(),
    drop_pct: z.number().int(),
    min_usual: z.number().int(),
    cooldown_h: z.number().int(),
    enabled: z.boolean(),
    last_alert_at: z.string().nullable(),
    last_alert_kind: z.enum(['spike', 'drop']).nullable(),
    created_at: z.string(),
  })
  .meta({ id: 'TrafficAlert' });

type Row = Omit<z.infer<typeof alertSchema>, 'last_alert_at' | 'created_at'> & {
  last_alert_at: Date | null;
  created_at: Date;
};
const toAlert = (r: Row) => ({ ...r, last_alert_at: iso(r.last_alert_at), created_at: iso(r.created_at)! });
const alertParams = z.object({ siteId: siteIdParam, alertId: z.uuid() });

/**
 * Traffic alerts by email per site: the last complete hour's page views against the mean of the same
 * hour of the four weeks before (src/reports/alerts.ts), with a cooldown.
 */
export function registerAlertRoutes(t: RouteTable, d: ApiDeps): void {
  const base = '/v1/sites/:siteId/alerts';
  t.define(
    {
      method: 'get',
      path: base,
      summary: "The site's traffic alerts",
      tags: ['reports'],
      roles: WRITERS,
      responses: {
        200: {
          description: 'The alerts',
          schema: z.object({ items: z.array(alertSchema) }).meta({ id: 'TrafficAlertList' }),
        },
      },
    },
    async ({ auth, site }) => ({
      items: (await d.pool.query<Row>(sql.listAlerts, [auth.agencyId, site.id])).rows.map(toAlert),
    }),
  );
  t.define(
    {
      method: 'post',
      path: base,
      summary: 'Email these recipients when traffic spikes or drops against its usual level',
      tags: ['reports'],
      roles: WRITERS,
      request: {
        body: z
          .object({
            recipients,
            spike_pct: fields.spike_pct.optional(),
            drop_pct: fields.drop_pct.optional(),
            min_usual: fields.min_usual.optional(),
            cooldown_h: fields.cooldown_h.optional(),
          })
          .strict()
          .meta({ id: 'TrafficAlertCreate' }),
      },
      responses: { 201: { description: 'The alert', schema: alertSchema } },
    },
    async ({ auth, site, body }) => {
      const { rows } = await d.pool.query<Row>(sql.insertAlert, [
        auth.agencyId,
        site.id,
        body.recipients,
        body.spike_pct ?? 100,
        body.drop_pct ?? 50,
        body.min_usual ?? 20,
        body.cooldown_h ?? 6,
        auth.userId,
      ]);
      recordAdminAction(d, auth, 'alert.create', { alert_id: rows[0]!.id, site_id: site.id });
      return toAlert(rows[0]!);
    },
  );
  t.define(
    {
      method: 'patch',
      path: `${base}/:alertId`,
      summary: 'Change a traffic alert',
      tags: ['reports'],
      roles: WRITERS,
      request: {
        params: alertParams,
        body: z
          .object({
            recipients: recipients.optional(),
            spike_pct: fields.spike_pct.optional(),
            drop_pct: fields.drop_pct.optional(),
            min_usual: fields.min_usual.optional(),
            cooldown_h: fields.cooldown_h.optional(),
            enabled: z.boolean().optional(),
          })
          .strict()
          .refine((b) => Object.keys(b).length > 0, 'give at least one field to change')
          .meta({ id: 'TrafficAlertUpdate' }),
      },
      responses: { 200: { description: 'The alert', schema: alertSchema } },
    },
    async ({ auth, site, params, body }) => {
      const { rows } = await d.pool.query<Row>(sql.updateAlert, [
        auth.agencyId,
        site.id,
        params.alertId,
        body.recipients ?? null,
        body.spike_pct ?? null,
        body.drop_pct ?? null,
        body.min_usual ?? null,
        body.cooldown_h ?? null,
        body.enabled ?? null,
      ]);
      if (!rows[0]) throw new NotFoundError('alert');
      recordAdminAction(d, auth, 'alert.update', { alert_id: params.alertId, site_id: site.id });
      return toAlert(rows[0]);
    },
  );
  t.define(
    {
      method: 'delete',
      path: `${base}/:alertId`,
      summary: 'Delete a traffic alert',
      tags: ['reports'],
      roles: WRITERS,
      request: { params: alertParams },
      responses: { 204: { description: 'Deleted' } },
    },
    async ({ auth, site, params }) => {
      const { rowCount } = await d.pool.query(sql.deleteAlert, [auth.agencyId, site.id, params.alertId]);
      if (!rowCount) throw new NotFoundError('alert');
      recordAdminAction(d, auth, 'alert.delete', { alert_id: params.alertId, site_id: site.id });
      return undefined;
    },
  );
}
