import { z } from 'zod';
import type { ApiDeps } from '../deps.js';
import { siteIdParam } from '../http/validate.js';
import type { RouteTable } from '../openapi/route-table.js';
import * as q from '../queries/index.js';
import { revenue, revenueBy } from '../queries/revenue.js';
import { requestStatsDeps } from './stats-deps.js';
import { REVENUE_DIMENSIONS, type RevenueDimension } from '../queries/statements/revenue.js';

/** Revenue from purchases (docs/conversions.md): every role reads; the site scope is the tenant wall. */
const tags = ['stats', 'revenue'];
const site = '/v1/sites/:siteId';

const currencyTotals = {
  currency: z.string(),
  revenue: z.number().describe('net of refunds'),
  refunded: z.number().describe("taken off the orders' values by refund events"),
  orders: z.number().int(),
  buyers: z.number().int(),
  average_order_value: z.number().nullable(),
  revenue_per_visitor: z.number().nullable(),
};
const revenueSchema = z
  .object({
    visitors: z.number().int(),
    ...currencyTotals,
    other_currencies: z.array(z.object(currencyTotals)).describe('purchases in other currencies, as sent'),
  })
  .meta({ id: 'Revenue' });
const revenueRowsSchema = z
  .object({
    dimension: z.string(),
    currency: z.string(),
    items: z.array(
      z.object({
        value: z.string().nullable(),
        visitors: z.number().int(),
        orders: z.number().int(),
        revenue: z.number(),
        average_order_value: z.number().nullable(),
        revenue_per_visitor: z.number().nullable(),
      }),
    ),
    next_cursor: z.string().nullable(),
  })
  .meta({ id: 'RevenueBreakdown' });

export function registerRevenueRoutes(t: RouteTable, d: ApiDeps): void {
  t.define(
    {
      route: `get ${site}/stats/revenue`,
      summary: "Revenue, orders, average order value and revenue per visitor (site's currency; others apart)",
      tags,
      share: 'read',
      query: q.statsQuery,
      responses: { 200: ['Revenue of the range', revenueSchema] },
    },
    ({ site, query, res }) => revenue(requestStatsDeps(d, res), site, query),
  );
  t.define(
    {
      route: `get ${site}/stats/revenue/:dimension`,
      summary: "Revenue in the site's currency by channel, referrer, UTM, page, company, country or device",
      tags,
      share: 'read',
      params: z.object({
        siteId: siteIdParam,
        dimension: z.enum(Object.keys(REVENUE_DIMENSIONS) as [RevenueDimension, ...RevenueDimension[]]),
      }),
      query: q.pagedQuery,
      responses: { 200: ['Rows by revenue', revenueRowsSchema] },
    },
    ({ site, params, query, res }) => revenueBy(requestStatsDeps(d, res), site, params.dimension, query),
  );
}
