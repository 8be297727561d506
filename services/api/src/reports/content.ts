import type { PeriodTotals } from '../answers.js';
import * as q from '../queries/index.js';
import { escapeHtml } from '../email/templates.js';
import type { Period } from './period.js';

interface Row {
  value: string | null;
  visitors: number;
}

/** What one report says: the period against the one before, and its top lists. */
export interface ReportData {
  siteName: string;
  domain: string;
  timezone: string;
  period: Period;
  current: PeriodTotals;
  previous: PeriodTotals;
  pages: Row[];
  sources: Row[];
  campaigns: Row[];
  companies: Row[];
}

/**
 * Reads a report's figures with the dashboard's own queries (rollups where they cover the range), so
 * an email never disagrees with the dashboard for the same days.
 */
export async function gatherReport(
  deps: q.StatsDeps,
  site: { scriptId: string; agencyId: string; name: string; domain: string; config: Record<string, unknown> },
  timezone: string,
  period: Period,
): Promise<ReportData> {
  const range = { from: period.start, to: period.end };
  const statsSite = { scriptId: site.scriptId, agencyId: site.agencyId, config: site.config };
  const top = async (dimension: q.DimensionName, limit: number) =>
    (
      await q.breakdown(
        deps,
        statsSite,
        dimension,
        q.breakdownQuery.parse({ ...range, limit: String(limit) }),
      )
    ).items as Row[];
  const [overview, pages, sources, campaigns, companies] = await Promise.all([
    q.overview(deps, statsSite, q.statsQuery.parse(range)),
    top('pages', 5),
    top('channels', 5),
    top('utm_campaigns', 5),
    top('companies', 10),
  ]);
  return {
    siteName: site.name,
    domain: site.domain,
    timezone,
    period,
    current: overview.current,
    previous: overview.previous,
    pages,
    sources,
    campaigns: campaigns.filter((r) => r.value),
    companies: companies.filter((r) => r.value),
  };
}

const fmt = (n: number) => new Intl.NumberFormat('en-US').format(n);
const pct = (n: number | null) => (n === null ? '–' : `${Math.round(n * 1000) / 10}%`);

function change(cur: number | null, prev: number | null): string {
  if (cur === null || prev === null) return '';
  // "new" read as a count of new visitors beside the figure; say what it is: nothing to compare with.
  if (prev === 0) return cur === 0 ? '±0%' : 'none before';
  const c = Math.round(((cur - prev) / prev) * 1000) / 10;
  return `${c > 0 ? '+' : c < 0 ? '−' : '±'}${Math.abs(c)}%`;
}

interface ReportOptions {
  brand: string;
  frequency: 'weekly' | 'monthly';
  dashboardUrl: string;
  unsubscribeUrl: string | null;
}

/** A report's parts: its headline figures (name, value, change) and its top lists. */
interface ReportParts {
  subject: string;
  label: string;
  figures: [string, string, string][];
  lists: [string, Row[]][];
}

function reportParts(r: ReportData, opts: ReportOptions): ReportParts {
  const label = opts.frequency === 'weekly' ? 'Weekly' : 'Monthly';
  const subject = `${label} report for ${r.siteName}: ${r.period.start} to ${r.period.end}`;
  const figures: [string, string, string][] = [
    ['Visitors', fmt(r.current.visitors), change(r.current.visitors, r.previous.visitors)],
    ['Sessions', fmt(r.current.sessions), change(r.current.sessions, r.previous.sessions)],
    ['Page views', fmt(r.current.page_views), change(r.current.page_views, r.previous.page_views)],
    ['Bounce rate', pct(r.current.bounce_rate), change(r.current.bounce_rate, r.previous.bounce_rate)],
  ];
  const lists: [string, Row[]][] = [
    ['Top pages', r.pages],
    ['Sources', r.sources],
    ['Campaigns', r.campaigns],
    ['Companies that visited', r.companies],
  ];
  return { subject, label, figures, lists };
}

/** The plain-text body. */
function reportText(r: ReportData, { subject, figures, lists }: ReportParts, opts: ReportOptions): string {
  return [
    subject,
    `${r.domain} · days in ${r.timezone} · compared with the period before`,
    '',
    ...figures.map(([k, v, c]) => `${k}: ${v}${c ? ` (${c})` : ''}`),
    '',
    ...lists.flatMap(([title, rows]) => [
      `${title}:`,
      ...(rows.length ? rows.map((x) => `  ${x.value ?? '(none)'}  ${fmt(x.visitors)}`) : ['  none']),
      '',
    ]),
    `Open the dashboard: ${opts.dashboardUrl}`,
    ...(opts.unsubscribeUrl ? [`Stop these emails: ${opts.unsubscribeUrl}`] : []),
    '',
    `-- ${opts.brand}`,
  ].join('\n');
}

/** The HTML body: tables and inline styles, no images. */
function reportHtml(
  r: ReportData,
  { subject, label, figures, lists }: ReportParts,
  opts: ReportOptions,
): string {
  const cell = 'padding:6px 0;border-bottom:1px solid #e4e7eb;font-size:14px;color:#1f2933';
  const table = (title: string, rows: Row[]) => `
<h2 style="margin:24px 0 8px 0;font-size:16px;color:#1f2933">${escapeHtml(title)}</h2>
<table role="presentation" width="100%" cellspacing="0" cellpadding="0">
${
  rows.length
    ? rows
        .map(
          (x) =>
            `<tr><td style="${cell}">${escapeHtml(x.value ?? '(none)')}</td><td align="right" style="${cell}">${fmt(x.visitors)}</td></tr>`,
        )
        .join('\n')
    : `<tr><td style="${cell};color:#7b8794">none</td></tr>`
}
</table>`;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width"><title>${escapeHtml(subject)}</title></head>
<body style="margin:0;padding:0;background:#f4f5f7">
<table role="presentation" width="100%" cellspacing="0" cellpadding="0" style="background:#f4f5f7"><tr><td align="center" style="padding:24px 12px">
<table role="presentation" width="600" cellspacing="0" cellpadding="0" style="max-width:600px;width:100%;background:#ffffff;border-radius:6px;font-family:-apple-system,Segoe UI,Helvetica,Arial,sans-serif">
<tr><td style="padding:24px 28px 0 28px;font-size:13px;color:#52606d;text-transform:uppercase;letter-spacing:.04em">${escapeHtml(opts.brand)} · ${label} report</td></tr>
<tr><td style="padding:4px 28px 0 28px"><h1 style="margin:0;font-size:22px;color:#1f2933">${escapeHtml(r.siteName)}</h1>
<p style="margin:4px 0 0 0;font-size:13px;color:#52606d">${escapeHtml(r.period.start)} to ${escapeHtml(r.period.end)} (${escapeHtml(r.timezone)}) · compared with the period before</p></td></tr>
<tr><td style="padding:16px 28px 0 28px"><table role="presentation" width="100%" cellspacing="0" cellpadding="0"><tr>
${figures
  .map(
    ([k, v, c]) =>
      `<td width="25%" style="padding:8px;border:1px solid #e4e7eb;vertical-align:top"><div style="font-size:12px;color:#52606d">${escapeHtml(k)}</div><div style="font-size:20px;font-weight:bold;color:#1f2933">${escapeHtml(v)}</div><div style="font-size:12px;color:#52606d">${escapeHtml(c)}</div></td>`,
  )
  .join('\n')}
</tr></table></td></tr>
<tr><td style="padding:0 28px">${lists.map(([t, rows]) => table(t, rows)).join('\n')}</td></tr>
<tr><td style="padding:24px 28px"><a href="${escapeHtml(opts.dashboardUrl)}" style="display:inline-block;padding:10px 18px;background:#2457c5;color:#ffffff;text-decoration:none;border-radius:4px;font-size:14px">Open the dashboard</a></td></tr>
<tr><td style="padding:0 28px 24px 28px;font-size:12px;color:#7b8794">${
    opts.unsubscribeUrl
      ? `You get this because you are on the report list of ${escapeHtml(r.siteName)}. <a href="${escapeHtml(opts.unsubscribeUrl)}" style="color:#52606d">Stop these emails</a>.`
      : 'Preview sent on request.'
  }</td></tr>
</table></td></tr></table></body></html>`;
}

/** The email of a report: HTML (tables and inline styles, no images) and the same in plain text. */
export function renderReport(
  r: ReportData,
  opts: ReportOptions,
): { subject: string; text: string; html: string } {
  const parts = reportParts(r, opts);
  return { subject: parts.subject, text: reportText(r, parts, opts), html: reportHtml(r, parts, opts) };
}
