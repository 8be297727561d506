import type { ApiDeps } from '../deps.js';
import { dashboardUrlOf } from '../email/links.js';
import { actionEmail } from '../email/templates.js';
import * as sql from '../sql/alerts.js';

interface AlertRow {
  id: string;
  recipients: string[];
  spike_pct: number;
  drop_pct: number;
  min_usual: number;
  cooldown_h: number;
  site_id: string;
  script_id: string;
  site_name: string;
  agency_name: string;
  agency_hostname: string | null;
}

export type AlertKind = 'spike' | 'drop';

/** Whether an hour is a spike or a drop against the usual level (null: neither, or too little traffic). */
export function judge(
  current: number,
  usual: number,
  a: Pick<AlertRow, 'spike_pct' | 'drop_pct' | 'min_usual'>,
): AlertKind | null {
  if (usual < a.min_usual) return null;
  if (current >= usual * (1 + a.spike_pct / 100)) return 'spike';
  if (current <= usual * (1 - a.drop_pct / 100)) return 'drop';
  return null;
}

/**
 * One pass of the traffic alerts (run with the report scheduler): the last complete hour of each
 * site with alerts against the mean of the same hour of the four weeks before. An alert sends only
 * after winning its cooldown (one conditional UPDATE), so replicas send it once.
 */
export async function runTrafficAlerts(d: ApiDeps, now: Date = new Date()): Promise<{ sent: number }> {
  const hour = new Date(Math.floor(now.getTime() / 3_600_000) * 3_600_000 - 3_600_000);
  const alerts = (await d.pool.query<AlertRow>(sql.activeAlerts)).rows;
  let sent = 0;
  for (const a of alerts) {
    const { rows } = await d
      .reads()
      .query<{ current: number; usual: number }>(sql.hourAgainstUsual, [a.script_id, hour.toISOString()]);
    const { current, usual } = rows[0]!;
    const kind = judge(current, usual, a);
    if (!kind) continue;
    if (((await d.pool.query(sql.takeCooldown, [a.id, kind])).rowCount ?? 0) === 0) continue;
    const word = kind === 'spike' ? 'Traffic spike' : 'Traffic drop';
    const subject = `${word} on ${a.site_name}: ${current} page views in the hour from ${hour.toISOString().slice(11, 16)} UTC (usually ${Math.round(usual)})`;
    const mail = actionEmail({
      brand: a.agency_name,
      heading: `${word} on ${a.site_name}`,
      paragraphs: [
        `${current} page views between ${hour.toISOString().slice(0, 16).replace('T', ' ')} and ${new Date(hour.getTime() + 3_600_000).toISOString().slice(11, 16)} UTC.`,
        `The same hour of the four weeks before averaged ${Math.round(usual * 10) / 10}.`,
        `No other alert for this site for ${a.cooldown_h} hours.`,
      ],
      action: {
        label: 'Open the dashboard',
        url: `${dashboardUrlOf(d.config.email.dashboardPublicUrl, a.agency_hostname)}/sites/${a.site_id}/realtime`,
      },
      footer: 'You get this because you are on the traffic alert list of this site.',
    });
    for (const to of a.recipients) {
      try {
        if ((await d.mailer.send({ to, subject, ...mail })).sent) sent++;
      } catch (err) {
        d.logger.warn({ err, alert: a.id }, 'traffic alert email not sent');
      }
    }
  }
  return { sent };
}
