import type { ApiDeps } from '../deps.js';
import { dashboardUrlOf } from '../email/links.js';
import { actionEmail } from '../email/templates.js';
import * as sql from '../sql/usage.js';

/** Shares of a site's monthly event quota (in %) at which the agency's admins are warned. */
export const QUOTA_THRESHOLDS = [80, 100] as const;

interface WatchRow {
  id: string;
  name: string;
  agency_id: string;
  quota: string;
  agency_name: string;
  agency_hostname: string | null;
  events: string;
  warned: number[];
}

/** The thresholds `events` of `quota` has reached and that were not warned yet. */
export function dueThresholds(events: number, quota: number, warned: readonly number[]): number[] {
  return QUOTA_THRESHOLDS.filter((t) => events * 100 >= quota * t && !warned.includes(t));
}

function quotaEmail(d: ApiDeps, s: WatchRow, threshold: number, month: string) {
  const events = Number(s.events);
  const quota = Number(s.quota);
  const pct = Math.floor((events * 100) / quota);
  const heading =
    threshold >= 100
      ? `${s.name} has reached its monthly event quota`
      : `${s.name} has used ${threshold}% of its monthly event quota`;
  return {
    subject: `${heading} (${month})`,
    ...actionEmail({
      brand: s.agency_name,
      heading,
      paragraphs: [
        `${events.toLocaleString('en')} events stored in ${month} (UTC) of a quota of ${quota.toLocaleString('en')} (${pct}%).`,
        'Events past the quota are still collected and stored: nothing is lost. Raise the quota in the site settings, or talk to your client about the plan.',
      ],
      action: {
        label: 'See the usage',
        url: `${dashboardUrlOf(d.config.email.dashboardPublicUrl, s.agency_hostname)}/settings/usage`,
      },
      footer: `You get this because you are an admin of ${s.agency_name}. Each warning goes once per site and month.`,
    }),
  };
}

/** Mails the admins; answers how many got it (throws when the SMTP server refused every one). */
async function mailAdmins(d: ApiDeps, s: WatchRow, mail: ReturnType<typeof quotaEmail>): Promise<number> {
  const admins = (await d.pool.query<{ email: string }>(sql.agencyAdminEmails, [s.agency_id])).rows;
  let sent = 0;
  let lastError: unknown = null;
  for (const { email } of admins) {
    try {
      if ((await d.mailer.send({ to: email, ...mail })).sent) sent++;
    } catch (err) {
      lastError = err;
      d.logger.warn({ err, site: s.id }, 'quota warning email not sent');
    }
  }
  if (sent === 0 && lastError) throw lastError;
  return sent;
}

/**
 * One pass of the monthly quota check (every QUOTA_CHECK_S on every API replica). For each site
 * with a quota and a warning still to come this month (UTC), its stored events of the month; a
 * threshold reached is claimed in quota_warnings (the primary key: one replica wins), then the agency's
 * admins are mailed once, about the highest threshold claimed. When the SMTP server refuses, the claim
 * is given back and the next pass tries again. The collector is never involved: it keeps accepting.
 */
export async function runQuotaWarnings(d: ApiDeps, now: Date = new Date()): Promise<{ sent: number }> {
  const from = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1));
  const to = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + 1, 1));
  const month = from.toISOString().slice(0, 10);
  const sites = (
    await d.pool.query<WatchRow>(sql.sitesUnderQuotaWatch, [from.toISOString(), to.toISOString()])
  ).rows;
  let sent = 0;
  for (const s of sites) {
    const due = dueThresholds(Number(s.events), Number(s.quota), s.warned);
    if (due.length === 0) continue;
    const claim = [s.id, month, due, s.agency_id, s.events, s.quota];
    const claimed = (await d.pool.query<{ threshold: number }>(sql.claimQuotaWarnings, claim)).rows.map(
      (r) => r.threshold,
    );
    if (claimed.length === 0) continue;
    const mail = quotaEmail(d, s, Math.max(...claimed), month.slice(0, 7));
    try {
      const n = await mailAdmins(d, s, mail);
      await d.pool.query(sql.recordQuotaRecipients, [s.id, month, claimed, n]);
      sent += n;
    } catch (err) {
      d.logger.warn({ err, site: s.id }, 'quota warning not sent: the next pass retries');
      await d.pool.query(sql.releaseQuotaWarnings, [s.id, month, claimed]);
    }
  }
  return { sent };
}
