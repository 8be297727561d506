import { z } from 'zod';
import { csvLine } from '@beacon/db';
import { ADMINS } from '../auth/types.js';
import type { ApiDeps } from '../deps.js';
import type { RouteTable } from '../openapi/route-table.js';
import * as sql from '../sql/usage.js';

const monthParam = z
  .string()
  .regex(/^\d{4}-(0[1-9]|1[0-2])$/, 'a month such as 2026-01')
  .optional()
  .meta({ description: 'calendar month in UTC (YYYY-MM); default the current month' });

/** A whole number of the month, with what it counts (OpenAPI description). */
const count = (description: string) => z.number().int().meta({ description });

const rowSchema = z.object({
  site_id: z.uuid(),
  site_name: z.string(),
  domain: z.string(),
  status: z.string(),
  events_stored: z.number().int(),
  page_views: z.number().int(),
  bot_events: count('stored events marked as bots (kept by the site bot policy)'),
  identified_companies: count('distinct companies identified among the visits'),
  events_received: count('hits the collector accepted for the site (by hour of receipt)'),
  events_dropped: count('received hits not stored: bots, duplicates, invalid (sum of dropped_by_reason)'),
  dropped_by_reason: z
    .record(z.string(), z.number().int())
    .meta({ description: 'dropped hits by reason (bot:<rule>, duplicate, unknown_site, invalid)' }),
  events_rejected: count('hits the collector refused (origin not allowed, invalid hit, ...)'),
  monthly_event_quota: z
    .number()
    .int()
    .nullable()
    .meta({ description: "the site's monthly event quota (stored events); null: none" }),
  quota_used_pct: z
    .number()
    .nullable()
    .meta({ description: 'events_stored as a share of the quota, in % (one decimal; may pass 100)' }),
});

const apiCallsSchema = z
  .object({
    total: z.number().int(),
    user: count('dashboard users (logins)'),
    api_key: count('agency API keys'),
    share: count('viewers of shared dashboards'),
  })
  .meta({
    id: 'ApiCalls',
    description:
      "the agency's authenticated API requests of the month (counted in memory, written every 10 s)",
  });

interface Row {
  id: string;
  name: string;
  domain: string;
  status: string;
  monthly_event_quota: string | null;
  events_stored: string;
  page_views: string;
  bot_events: string;
  identified_companies: string;
  events_received: string;
  events_rejected: string;
  dropped_by_reason: Record<string, string | number>;
}

const VIA = ['user', 'api_key', 'share'] as const;

/** site_name of the usage CSV's last line: the agency's own figures (its API calls), not a site's. */
export const AGENCY_TOTAL = '(agency total)';

function toItem(r: Row) {
  const quota = r.monthly_event_quota === null ? null : Number(r.monthly_event_quota);
  const dropped = Object.fromEntries(Object.entries(r.dropped_by_reason).map(([k, n]) => [k, Number(n)]));
  return {
    site_id: r.id,
    site_name: r.name,
    domain: r.domain,
    status: r.status,
    events_stored: Number(r.events_stored),
    page_views: Number(r.page_views),
    bot_events: Number(r.bot_events),
    identified_companies: Number(r.identified_companies),
    events_received: Number(r.events_received),
    events_dropped: Object.values(dropped).reduce((a, n) => a + n, 0),
    dropped_by_reason: dropped,
    events_rejected: Number(r.events_rejected),
    monthly_event_quota: quota,
    quota_used_pct: quota ? Math.round((Number(r.events_stored) * 1000) / quota) / 10 : null,
  };
}

function monthBounds(month: string | undefined): { month: string; from: string; to: string } {
  const m = month ?? new Date().toISOString().slice(0, 7);
  const [y, mo] = m.split('-').map(Number) as [number, number];
  return {
    month: m,
    from: new Date(Date.UTC(y, mo - 1, 1)).toISOString(),
    to: new Date(Date.UTC(y, mo, 1)).toISOString(),
  };
}

/** The agency's usage of a month (UTC): its sites' rows and its API calls. */
async function readUsage(d: ApiDeps, agencyId: string, month: string | undefined) {
  const b = monthBounds(month);
  const [sites, calls] = await Promise.all([
    d.reads().query<Row>(sql.usageBySite, [agencyId, b.from, b.to]),
    d.reads().query<{ via: string; count: string }>(sql.apiCallsOfMonth, [agencyId, `${b.month}-01`]),
  ]);
  const byVia = Object.fromEntries(VIA.map((v) => [v, 0])) as Record<(typeof VIA)[number], number>;
  for (const c of calls.rows) byVia[c.via as (typeof VIA)[number]] = Number(c.count);
  return {
    month: b.month,
    api_calls: { total: byVia.user + byVia.api_key + byVia.share, ...byVia },
    items: sites.rows.map(toItem),
  };
}

/**
 * Usage per client for billing (admins): per site and month, events stored, page views, bots, companies,
 * and what the collector received, dropped and rejected; the agency's API calls of the month.
 */
export function registerUsageRoutes(t: RouteTable, d: ApiDeps): void {
  const read = (agencyId: string, month: string | undefined) => readUsage(d, agencyId, month);

  t.define(
    {
      route: 'get /v1/usage',
      summary:
        'Usage per site for one month (UTC): events stored, page views, bots, identified companies, events received, dropped and rejected; API calls of the agency',
      tags: ['agency'],
      roles: ADMINS,
      query: z.object({ month: monthParam }).strict(),
      responses: {
        200: [
          'One row per site of the agency',
          z
            .object({ month: z.string(), api_calls: apiCallsSchema, items: z.array(rowSchema) })
            .meta({ id: 'Usage' }),
        ],
      },
    },
    async ({ auth, query }) => read(auth.agencyId, query.month),
  );

  registerUsageExport(t, read);
}

/** The usage as CSV (billing). */
function registerUsageExport(
  t: RouteTable,
  read: (agencyId: string, month: string | undefined) => ReturnType<typeof readUsage>,
): void {
  t.define(
    {
      route: 'get /v1/usage/export',
      summary:
        "The same usage as CSV (for billing): one line per site (dropped_by_reason as JSON), then one last line, site_name `(agency total)`, with only month and agency_api_calls: the agency's API calls are one figure per month, empty on site lines, so summing any column gives the right total",
      tags: ['agency'],
      roles: ADMINS,
      query: z.object({ month: monthParam }).strict(),
      responses: { 200: { description: 'CSV, header first', schema: z.string(), contentType: 'text/csv' } },
    },
    async ({ auth, query, res }) => {
      const u = await read(auth.agencyId, query.month);
      const cols = [
        'site_id',
        'site_name',
        'domain',
        'status',
        'events_stored',
        'page_views',
        'bot_events',
        'identified_companies',
        'events_received',
        'events_dropped',
        'events_rejected',
        'dropped_by_reason',
        'monthly_event_quota',
        'quota_used_pct',
      ] as const;
      // The agency's API calls are one figure per month: only on the last line, labelled, so summing
      // a column over the file never counts them once per site.
      const lines = [
        csvLine(['month', ...cols, 'agency_api_calls']),
        ...u.items.map((r) => csvLine([u.month, ...cols.map((c) => r[c]), null])),
        csvLine([u.month, null, AGENCY_TOTAL, ...cols.slice(2).map(() => null), u.api_calls.total]),
      ];
      res.status(200);
      res.setHeader('content-type', 'text/csv; charset=utf-8');
      res.setHeader('content-disposition', `attachment; filename="usage-${u.month}.csv"`);
      res.end(lines.join(''));
      return undefined;
    },
  );
}
