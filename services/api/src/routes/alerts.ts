import { z } from 'zod';
import { WRITERS } from '../auth/types.js';
import type { ApiDeps } from '../deps.js';
import type { RouteTable } from '../openapi/route-table.js';
import * as sql from '../sql/alerts.js';
import { changesOf, iso, recipientsField as recipients } from './schemas.js';
import { byAgencyAndSite, siteResource } from './site-resource.js';

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

export const alertSchema = z
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

/**
 * Traffic alerts by email per site: the last complete hour's page views against the mean of the same
 * hour of the four weeks before (src/reports/alerts.ts), with a cooldown.
 */
export function registerAlertRoutes(t: RouteTable, d: ApiDeps): void {
  const alerts = siteResource<Row, typeof alertSchema>(t, d, {
    noun: 'alert',
    tags: ['reports'],
    readRoles: WRITERS,
    owner: byAgencyAndSite,
    item: alertSchema,
    toItem: toAlert,
    adminAction: { action: 'alert', idKey: 'alert_id' },
  });
  alerts.list({
    summary: "The site's traffic alerts",
    answer: 'The alerts',
    listId: 'TrafficAlertList',
    sql: sql.listAlerts,
  });
  alerts.create({
    summary: 'Email these recipients when traffic spikes or drops against its usual level',
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
    answer: 'The alert',
    sql: sql.insertAlert,
    values: (b) => [b.recipients, b.spike_pct ?? 100, b.drop_pct ?? 50, b.min_usual ?? 20, b.cooldown_h ?? 6],
  });
  alerts.update({
    method: 'patch',
    summary: 'Change a traffic alert',
    body: changesOf({ recipients, ...fields, enabled: z.boolean() }, 'TrafficAlertUpdate'),
    answer: 'The alert',
    sql: sql.updateAlert,
    values: (b) => [
      b.recipients ?? null,
      b.spike_pct ?? null,
      b.drop_pct ?? null,
      b.min_usual ?? null,
      b.cooldown_h ?? null,
      b.enabled ?? null,
    ],
  });
  alerts.remove({ summary: 'Delete a traffic alert', sql: sql.deleteAlert });
}
