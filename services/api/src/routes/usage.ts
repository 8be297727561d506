import { z } from 'zod';
import { ADMINS } from '../auth/types.js';
import type { ApiDeps } from '../deps.js';
import type { RouteTable } from '../openapi/route-table.js';
import * as sql from '../sql/usage.js';

const monthParam = z
  .string()
  .regex(/^\d{4}-(0[1-9]|1[0-2])$/, 'a month such as 2026-01')
  .optional()
  .meta({ description: 'calendar month in UTC (YYYY-MM); default the current month' });

const rowSchema = z.object({
  site_id: z.uuid(),
  site_name: z.string(),
  domain: z.string(),
  status: z.string(),
  events_stored: z.number().int(),
  page_views: z.number().int(),
  bot_events: z
    .number()
    .int()
    .meta({ description: 'stored events marked as bots (kept by the site bot policy)' }),
  identified_companies: z
    .number()
    .int()
    .meta({ description: 'distinct companies identified among the visits' }),
});

interface Row {
  id: string;
  name: string;
  domain: string;
  status: string;
  events_stored: string;
  page_views: string;
  bot_events: string;
  identified_companies: string;
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

const csvCell = (v: string | number) => {
  const s = String(v);
  // Quote, and defuse spreadsheet formulas in text (a site name starting with = + - @).
  const safe = /^[=+\-@\t\r]/.test(s) && typeof v === 'string' ? `'${s}` : s;
  return /[",\n\r]/.test(safe) || safe !== s ? `"${safe.replace(/"/g, '""')}"` : safe;
};

/** Usage per client for billing: per site and month, events stored, page views, bots, companies (admins). */
export function registerUsageRoutes(t: RouteTable, d: ApiDeps): void {
  const read = async (agencyId: string, month: string | undefined) => {
    const b = monthBounds(month);
    const { rows } = await d.reads().query<Row>(sql.usageBySite, [agencyId, b.from, b.to]);
    return {
      month: b.month,
      items: rows.map((r) => ({
        site_id: r.id,
        site_name: r.name,
        domain: r.domain,
        status: r.status,
        events_stored: Number(r.events_stored),
        page_views: Number(r.page_views),
        bot_events: Number(r.bot_events),
        identified_companies: Number(r.identified_companies),
      })),
    };
  };

  t.define(
    {
      method: 'get',
      path: '/v1/usage',
      summary: 'Usage per site for one month (UTC): events stored, page views, bots, identified companies',
      tags: ['agency'],
      roles: ADMINS,
      request: { query: z.object({ month: monthParam }).strict() },
      responses: {
        200: {
          description: 'One row per site of the agency',
          schema: z.object({ month: z.string(), items: z.array(rowSchema) }).meta({ id: 'Usage' }),
        },
      },
    },
    async ({ auth, query }) => read(auth.agencyId, query.month),
  );

  t.define(
    {
      method: 'get',
      path: '/v1/usage/export',
      summary: 'The same usage as CSV (for billing)',
      tags: ['agency'],
      roles: ADMINS,
      request: { query: z.object({ month: monthParam }).strict() },
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
      ] as const;
      const lines = [
        ['month', ...cols].join(','),
        ...u.items.map((r) => [u.month, ...cols.map((c) => csvCell(r[c]))].join(',')),
      ];
      res.status(200);
      res.setHeader('content-type', 'text/csv; charset=utf-8');
      res.setHeader('content-disposition', `attachment; filename="usage-${u.month}.csv"`);
      res.end(`${lines.join('\r\n')}\r\n`);
      return undefined;
    },
  );
}
