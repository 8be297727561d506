import { parseSiteConfig } from '@beacon/schema';
import type { ApiDeps } from '../deps.js';
import { dashboardUrlOf } from '../email/links.js';
import * as sql from '../sql/reports.js';
import { gatherReport, renderReport, type ReportData } from './content.js';
import { lastCompletePeriod, type Period } from './period.js';
import { localDayIn } from '../time-zones.js';

/** Sending attempts of one delivery before it is marked failed; the waits between them double. */
export const MAX_ATTEMPTS = 5;
const FIRST_RETRY_S = 60;
const CLAIM_BATCH = 20;

export interface ScheduleRow {
  id: string;
  frequency: 'weekly' | 'monthly';
  created_at: Date;
  site_id: string;
  script_id: string;
  site_name: string;
  domain: string;
  site_config: Record<string, unknown> | null;
  agency_name: string;
  /** The agency's dashboard hostname: the email's links go there (null: DASHBOARD_PUBLIC_URL). */
  agency_hostname: string | null;
  /** The site's agency: its own company facts fill the report's companies (never another's). */
  agency_id: string;
}

/**
 * Unsubscribe addresses of `email` for a schedule (no login): `page`, the dashboard page with a button
 * (a GET never unsubscribes: mail scanners open links), and `oneClick`, the API route mail clients POST
 * to (RFC 8058 List-Unsubscribe-Post).
 */
export function unsubscribeUrls(
  d: ApiDeps,
  s: Pick<ScheduleRow, 'id' | 'agency_hostname'>,
  email: string,
): { page: string; oneClick: string } {
  const base = dashboardUrlOf(d.config.email.dashboardPublicUrl, s.agency_hostname);
  const scheduleId = s.id;
  const token = encodeURIComponent(d.reportLinks.token(scheduleId, email));
  return {
    page: `${base}/unsubscribe?token=${token}`,
    oneClick: `${base}/v1/reports/unsubscribe?token=${token}`,
  };
}

/** Builds one report email of a schedule's period (figures read once per schedule and period). */
export async function buildReportEmail(
  d: ApiDeps,
  s: ScheduleRow,
  period: Period,
  recipient: string | null,
  cache?: Map<string, ReportData>,
) {
  const config = parseSiteConfig(s.site_config ?? {});
  const key = `${s.id}:${period.start}`;
  let data = cache?.get(key);
  if (!data) {
    data = await gatherReport(
      { pool: d.reads(), rollups: d.config.rollups.read },
      {
        scriptId: s.script_id,
        agencyId: s.agency_id,
        name: s.site_name,
        domain: s.domain,
        config: s.site_config ?? {},
      },
      config.timezone,
      period,
    );
    cache?.set(key, data);
  }
  const unsub = recipient ? unsubscribeUrls(d, s, recipient) : null;
  const mail = renderReport(data, {
    brand: s.agency_name,
    frequency: s.frequency,
    dashboardUrl: `${dashboardUrlOf(d.config.email.dashboardPublicUrl, s.agency_hostname)}/sites/${s.site_id}/overview`,
    unsubscribeUrl: unsub?.page ?? null,
  });
  const headers: Record<string, string> = unsub
    ? { 'List-Unsubscribe': `<${unsub.oneClick}>`, 'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click' }
    : {};
  return { ...mail, headers };
}

/**
 * One pass of the report scheduler; every API replica runs it on a timer (REPORTS_TICK_S). First the
 * due periods become deliveries (the unique key of report_deliveries makes concurrent replicas' inserts
 * no-ops), then this replica claims due deliveries (SKIP LOCKED: never the same row as another) and
 * sends them. A failed send waits 1, 2, 4, 8 minutes; after MAX_ATTEMPTS it is failed (delivery log).
 * A replica that dies between sending and recording leaves the row 'sending': it is not sent again
 * (at most once; the delivery log shows it).
 */
export async function runReports(
  d: ApiDeps,
  now: Date = new Date(),
): Promise<{ queued: number; sent: number; failed: number }> {
  const schedules = (await d.pool.query<ScheduleRow>(sql.activeSchedules)).rows;
  const byId = new Map(schedules.map((s) => [s.id, s]));
  let queued = 0;
  for (const s of schedules) {
    const tz = parseSiteConfig(s.site_config ?? {}).timezone;
    const period = lastCompletePeriod(s.frequency, now, tz);
    // The first report covers the first full period after the schedule was made.
    if (period.start < localDayIn(tz, s.created_at)) continue;
    queued += (await d.pool.query(sql.enqueuePeriod, [s.id, period.start, period.end])).rowCount ?? 0;
  }
  let sent = 0;
  let failed = 0;
  const cache = new Map<string, ReportData>();
  for (;;) {
    const claimed = (
      await d.pool.query<{
        id: string;
        schedule_id: string;
        period_start: string;
        period_end: string;
        recipient: string;
        attempts: number;
      }>(sql.claimDue, [CLAIM_BATCH])
    ).rows;
    if (claimed.length === 0) break;
    for (const c of claimed) {
      const s = byId.get(c.schedule_id);
      try {
        if (!s) throw new Error('the schedule or its site is no longer active');
        const mail = await buildReportEmail(
          d,
          s,
          { start: c.period_start, end: c.period_end },
          c.recipient,
          cache,
        );
        const r = await d.mailer.send({ to: c.recipient, ...mail });
        if (!r.sent) throw new Error('SMTP_URL is not set');
        await d.pool.query(sql.markSent, [c.id, r.messageId ?? null]);
        sent++;
      } catch (err) {
        const retry = c.attempts < MAX_ATTEMPTS ? FIRST_RETRY_S * 2 ** (c.attempts - 1) : null;
        d.logger.warn(
          { err, delivery: c.id, attempt: c.attempts, retry_in_s: retry },
          'report email not sent',
        );
        await d.pool.query(sql.markFailed, [c.id, (err as Error).message ?? String(err), retry]);
        failed++;
      }
    }
  }
  return { queued, sent, failed };
}
