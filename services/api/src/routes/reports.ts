import { z } from 'zod';
import { WRITERS, ADMINS } from '../auth/types.js';
import type { ApiDeps } from '../deps.js';
import { BadRequestError, UnavailableError } from '../http/errors.js';
import type { RouteTable } from '../openapi/route-table.js';
import { lastCompletePeriod } from '../reports/period.js';
import { buildReportEmail, type ScheduleRow } from '../reports/scheduler.js';
import { brandOfAgency } from '../sql/branding.js';
import * as sql from '../sql/reports.js';
import { changesOf, emailField, iso, isoStamps, recipientsField as recipients, stamps } from './schemas.js';
import { byAgencyAndSite, siteResource, type SiteCaller } from './site-resource.js';

const frequency = z.enum(['weekly', 'monthly']);

export const scheduleSchema = z
  .object({
    id: z.uuid(),
    frequency,
    recipients: z.array(z.string()),
    enabled: z.boolean(),
    ...stamps,
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
  ...isoStamps(r),
});

export const previewSentSchema = z
  .object({
    sent_to: z.array(z.string()),
    period: z.object({ start: z.string(), end: z.string() }),
  })
  .meta({ id: 'ReportPreviewSent' });

export const deliveriesSchema = z
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
  .meta({ id: 'ReportDeliveries' });

const tags = ['reports'];

/** Scheduled email reports of a site (admins and users), their delivery log (admins), unsubscribing. */
export function registerReportRoutes(t: RouteTable, d: ApiDeps): void {
  const reports = registerScheduleCrud(t, d);
  registerSendNow(t, d, reports);
  registerDeliveries(t, d);
  registerUnsubscribe(t, d);
}

function registerScheduleCrud(t: RouteTable, d: ApiDeps) {
  const reports = siteResource<Row, typeof scheduleSchema>(t, d, {
    noun: 'report',
    tags,
    readRoles: WRITERS,
    owner: byAgencyAndSite,
    item: scheduleSchema,
    toItem: toSchedule,
    adminAction: { action: 'report', idKey: 'report_id' },
  });
  reports.list({
    summary: "The site's scheduled email reports",
    answer: 'The schedules',
    listId: 'ReportScheduleList',
    sql: sql.listSchedules,
  });
  reports.create({
    summary: 'Schedule a weekly or monthly email report of the site (days in the site timezone)',
    description:
      'Weekly reports cover Monday to Sunday and go out from Monday 00:00 in the site timezone; monthly ones cover the calendar month. The first report covers the first full period after this call.',
    body: z.object({ frequency, recipients }).strict().meta({ id: 'ReportScheduleCreate' }),
    answer: 'The schedule',
    sql: sql.insertSchedule,
    values: (b) => [b.frequency, b.recipients],
  });
  reports.update({
    method: 'patch',
    summary: 'Change a report schedule (frequency, recipients, enabled)',
    body: changesOf({ frequency, recipients, enabled: z.boolean() }, 'ReportScheduleUpdate'),
    answer: 'The schedule',
    sql: sql.updateSchedule,
    values: (b) => [b.frequency ?? null, b.recipients ?? null, b.enabled ?? null],
  });
  reports.remove({ summary: 'Delete a report schedule (and its delivery log)', sql: sql.deleteSchedule });
  return reports;
}

/** The schedule as the report builder takes it: the site's and the agency's names and settings. */
async function scheduleOf(d: ApiDeps, r: Row, { auth, site }: SiteCaller): Promise<ScheduleRow> {
  const agency = (
    await d.pool.query<{ name: string; hostname: string | null }>(brandOfAgency, [auth.agencyId])
  ).rows[0]!;
  return {
    id: r.id,
    frequency: r.frequency,
    created_at: r.created_at,
    site_id: site.id,
    script_id: site.scriptId,
    site_name: site.name,
    domain: site.domain,
    site_config: site.config,
    agency_id: auth.agencyId,
    agency_name: agency.name,
    agency_hostname: agency.hostname,
  };
}

function registerSendNow(t: RouteTable, d: ApiDeps, reports: ReturnType<typeof registerScheduleCrud>): void {
  t.define(
    {
      route: `post ${reports.one}/send-now`,
      summary:
        "Send the report of the last complete period now, as a preview (not in the delivery log's once-per-period count)",
      tags,
      roles: WRITERS,
      params: reports.params,
      body: z
        .object({ to: z.array(emailField).min(1).max(10).optional() })
        .strict()
        .meta({ id: 'ReportSendNow', description: "default: the schedule's recipients" }),
      responses: {
        200: ['Sent', previewSentSchema],
        503: 'No SMTP server is configured, or it refused the message',
      },
    },
    async (c) => {
      const { auth, site, params, body } = c;
      const { rows } = await d.pool.query<Row>(sql.findSchedule, [auth.agencyId, site.id, params.reportId]);
      const r = reports.found(rows[0]);
      if (!d.mailer.enabled) throw new UnavailableError('no SMTP server is configured (SMTP_URL)');
      const period = lastCompletePeriod(r.frequency, new Date(), site.timezone);
      const to = body.to ?? r.recipients;
      const mail = await buildReportEmail(d, await scheduleOf(d, r, c), period, null);
      try {
        for (const addr of to)
          await d.mailer.send({ to: addr, ...mail, subject: `[Preview] ${mail.subject}` });
      } catch (err) {
        d.logger.error({ err }, 'report preview not sent');
        throw new UnavailableError('the SMTP server did not take the message; try again later');
      }
      return { sent_to: to, period };
    },
  );
}

function registerDeliveries(t: RouteTable, d: ApiDeps): void {
  t.define(
    {
      route: 'get /v1/sites/:siteId/reports/deliveries',
      summary: "Delivery log of the site's reports (latest first): sent, retrying, failed",
      tags,
      roles: ADMINS,
      query: z.object({ limit: z.coerce.number().int().min(1).max(500).default(100) }).strict(),
      responses: { 200: ['Deliveries', deliveriesSchema] },
    },
    async ({ auth, site, query }) => {
      const { rows } = await d.pool.query<
        Record<string, unknown> & { sent_at: Date | null; created_at: Date }
      >(sql.listDeliveries, [auth.agencyId, site.id, query.limit]);
      return { items: rows.map((r) => ({ ...r, sent_at: iso(r.sent_at), created_at: iso(r.created_at)! })) };
    },
  );
}

function registerUnsubscribe(t: RouteTable, d: ApiDeps): void {
  t.define(
    {
      route: 'post /v1/reports/unsubscribe',
      summary:
        'Stop report emails to one address (the signed link of the email; no login; one-click capable)',
      tags,
      auth: false,
      query: z.object({ token: z.string().min(10).max(1000) }).strict(),
      responses: {
        200: ['Unsubscribed', z.object({ message: z.string() }).meta({ id: 'Unsubscribed' })],
        400: 'Not a valid unsubscribe link',
      },
    },
    async ({ query }) => {
      const v = d.reportLinks.verify(query.token);
      if (!v) throw new BadRequestError('invalid_token', 'this unsubscribe link is not valid');
      await d.pool.query(sql.unsubscribe, [v.scheduleId, v.email]);
      return { message: `${v.email} will get no more of these reports.` };
    },
  );
}
