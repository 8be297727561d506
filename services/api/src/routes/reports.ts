import { z } from 'zod';
import { recordAdminAction } from '../admin-actions.js';
import { ADMINS, WRITERS } from '../auth/types.js';
import type { ApiDeps } from '../deps.js';
import { ApiError, NotFoundError } from '../http/errors.js';
import { siteIdParam } from '../http/validate.js';
import type { RouteTable } from '../openapi/route-table.js';
import { lastCompletePeriod } from '../reports/period.js';
import { buildReportEmail, type ScheduleRow } from '../reports/scheduler.js';
import { findAgency } from '../sql/agency.js';
import * as sql from '../sql/reports.js';
import { iso } from './schemas.js';

const recipients = z
  .array(z.string().trim().toLowerCase().max(255).pipe(z.email()))
  .min(1)
  .max(50)
  .transform((l) => [...new Set(l)]);

const scheduleSchema = z
  .object({
    id: z.uuid(),
    frequency: z.enum(['weekly', 'monthly']),
    recipients: z.array(z.string()),
    enabled: z.boolean(),
    created_at: z.string(),
    updated_at: z.string(),
  })
  .meta({ id: 'ReportSchedule' });

interface Row {
  id: string;
  frequency: 'weekly' | 'monthly';
  recipients: string[];
  enabled: boolean;
  created_at: Date;
  updated_at: Date;
}
const toSchedule = (r: Row) => ({
  id: r.id,
  frequency: r.frequency,
  recipients: r.recipients,
  enabled: r.enabled,
  created_at: iso(r.created_at)!,
  updated_at: iso(r.updated_at)!,
});

const reportParams = z.object({ siteId: siteIdParam, reportId: z.uuid() });

/** Scheduled email reports of a site (admins and users), their delivery log (admins), unsubscribing. */
export function registerReportRoutes(t: RouteTable, d: ApiDeps): void {
  const base = '/v1/sites/:siteId/reports';

  t.define(
    {
      method: 'get',
      path: base,
      summary: "The site's scheduled email reports",
      tags: ['reports'],
      roles: WRITERS,
      responses: {
        200: {
          description: 'The schedules',
          schema: z.object({ items: z.array(scheduleSchema) }).meta({ id: 'ReportScheduleList' }),
        },
      },
    },
    async ({ auth, site }) => ({
      items: (await d.pool.query<Row>(sql.listSchedules, [auth.agencyId, site.id])).rows.map(toSchedule),
    }),
  );

  t.define(
    {
      method: 'post',
      path: base,
      summary: 'Schedule a weekly or monthly email report of the site (days in the site timezone)',
      description:
        'Weekly reports cover Monday to Sunday and go out from Monday 00:00 in the site timezone; monthly ones cover the calendar month. The first report covers the first full period after this call.',
      tags: ['reports'],
      roles: WRITERS,
      request: {
        body: z
          .object({ frequency: z.enum(['weekly', 'monthly']), recipients })
          .strict()
          .meta({ id: 'ReportScheduleCreate' }),
      },
      responses: { 201: { description: 'The schedule', schema: scheduleSchema } },
    },
    async ({ auth, site, body }) => {
      const { rows } = await d.pool.query<Row>(sql.insertSchedule, [
        auth.agencyId,
        site.id,
        body.frequency,
        body.recipients,
        auth.userId,
      ]);
      recordAdminAction(d, auth, 'report.create', { report_id: rows[0]!.id, site_id: site.id });
      return toSchedule(rows[0]!);
    },
  );

  t.define(
    {
      method: 'patch',
      path: `${base}/:reportId`,
      summary: 'Change a report schedule (frequency, recipients, enabled)',
      tags: ['reports'],
      roles: WRITERS,
      request: {
        params: reportParams,
        body: z
          .object({
            frequency: z.enum(['weekly', 'monthly']).optional(),
            recipients: recipients.optional(),
            enabled: z.boolean().optional(),
          })
          .strict()
          .refine((b) => Object.keys(b).length > 0, 'give at least one field to change')
          .meta({ id: 'ReportScheduleUpdate' }),
      },
      responses: { 200: { description: 'The schedule', schema: scheduleSchema } },
    },
    async ({ auth, site, params, body }) => {
      const { rows } = await d.pool.query<Row>(sql.updateSchedule, [
        auth.agencyId,
        site.id,
        params.reportId,
        body.frequency ?? null,
        body.recipients ?? null,
        body.enabled ?? null,
      ]);
      if (!rows[0]) throw new NotFoundError('report');
      recordAdminAction(d, auth, 'report.update', { report_id: params.reportId, site_id: site.id });
      return toSchedule(rows[0]);
    },
  );

  t.define(
    {
      method: 'delete',
      path: `${base}/:reportId`,
      summary: 'Delete a report schedule (and its delivery log)',
      tags: ['reports'],
      roles: WRITERS,
      request: { params: reportParams },
      responses: { 204: { description: 'Deleted' } },
    },
    async ({ auth, site, params }) => {
      const { rowCount } = await d.pool.query(sql.deleteSchedule, [auth.agencyId, site.id, params.reportId]);
      if (!rowCount) throw new NotFoundError('report');
      recordAdminAction(d, auth, 'report.delete', { report_id: params.reportId, site_id: site.id });
      return undefined;
    },
  );

  t.define(
    {
      method: 'post',
      path: `${base}/:reportId/send-now`,
      summary:
        "Send the report of the last complete period now, as a preview (not in the delivery log's once-per-period count)",
      tags: ['reports'],
      roles: WRITERS,
      request: {
        params: reportParams,
        body: z
          .object({
            to: z.array(z.string().trim().toLowerCase().max(255).pipe(z.email())).min(1).max(10).optional(),
          })
          .strict()
          .meta({ id: 'ReportSendNow', description: "default: the schedule's recipients" }),
      },
      responses: {
        200: {
          description: 'Sent',
          schema: z
            .object({
              sent_to: z.array(z.string()),
              period: z.object({ start: z.string(), end: z.string() }),
            })
            .meta({ id: 'ReportPreviewSent' }),
        },
        503: { description: 'No SMTP server is configured, or it refused the message' },
      },
    },
    async ({ auth, site, params, body }) => {
      const { rows } = await d.pool.query<Row>(sql.findSchedule, [auth.agencyId, site.id, params.reportId]);
      const r = rows[0];
      if (!r) throw new NotFoundError('report');
      if (!d.mailer.enabled)
        throw new ApiError(503, 'unavailable', 'no SMTP server is configured (SMTP_URL)');
      const s: ScheduleRow = {
        id: r.id,
        frequency: r.frequency,
        created_at: r.created_at,
        site_id: site.id,
        script_id: site.scriptId,
        site_name: site.name,
        domain: site.domain,
        site_config: site.config,
        agency_id: auth.agencyId,
        agency_name: (await d.pool.query<{ name: string }>(findAgency, [auth.agencyId])).rows[0]!.name,
      };
      const period = lastCompletePeriod(r.frequency, new Date(), site.timezone);
      const to = body.to ?? r.recipients;
      const mail = await buildReportEmail(d, s, period, null);
      try {
        for (const addr of to)
          await d.mailer.send({ to: addr, ...mail, subject: `[Preview] ${mail.subject}` });
      } catch (err) {
        d.logger.error({ err }, 'report preview not sent');
        throw new ApiError(503, 'unavailable', 'the SMTP server did not take the message; try again later');
      }
      return { sent_to: to, period };
    },
  );

  t.define(
    {
      method: 'get',
      path: `${base}/deliveries`,
      summary: "Delivery log of the site's reports (latest first): sent, retrying, failed",
      tags: ['reports'],
      roles: ADMINS,
      request: { query: z.object({ limit: z.coerce.number().int().min(1).max(500).default(100) }).strict() },
      responses: {
        200: {
          description: 'Deliveries',
          schema: z
            .object({
              items: z.array(
                z.object({
                  id: z.uuid(),
                  schedule_id: z.uuid(),
                  period_start: z.string(),
                  period_end: z.string(),
                  recipient: z.string(),
                  status: z.enum(['pending', 'sending', 'sent', 'failed']),
                  attempts: z.number().int(),
                  last_error: z.string().nullable(),
                  sent_at: z.string().nullable(),
                  created_at: z.string(),
                }),
              ),
            })
            .meta({ id: 'ReportDeliveries' }),
        },
      },
    },
    async ({ auth, site, query }) => {
      const { rows } = await d.pool.query<
        Record<string, unknown> & { sent_at: Date | null; created_at: Date }
      >(sql.listDeliveries, [auth.agencyId, site.id, query.limit]);
      return { items: rows.map((r) => ({ ...r, sent_at: iso(r.sent_at), created_at: iso(r.created_at)! })) };
    },
  );

  t.define(
    {
      method: 'post',
      path: '/v1/reports/unsubscribe',
      summary:
        'Stop report emails to one address (the signed link of the email; no login; one-click capable)',
      tags: ['reports'],
      auth: false,
      request: { query: z.object({ token: z.string().min(10).max(1000) }).strict() },
      responses: {
        200: {
          description: 'Unsubscribed',
          schema: z.object({ message: z.string() }).meta({ id: 'Unsubscribed' }),
        },
        400: { description: 'Not a valid unsubscribe link' },
      },
    },
    async ({ query }) => {
      const v = d.reportLinks.verify(query.token);
      if (!v) throw new ApiError(400, 'invalid_token', 'this unsubscribe link is not valid');
      await d.pool.query(sql.unsubscribe, [v.scheduleId, v.email]);
      return { message: `${v.email} will get no more of these reports.` };
    },
  );
}
