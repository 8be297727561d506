import { parseSiteConfig } from '@beacon/schema';
import { decodeOffset } from './cursor.js';
import { resolveSaved } from './saved.js';
import type { StatsQuery } from './schemas.js';
import { revenueBreakdown, revenueTotals, type RevenueDimension } from './statements/revenue.js';
import { offsetPage, runStatement, scopeOf, type StatsDeps, type StatsSite } from './stats.js';

export interface CurrencyTotals {
  currency: string;
  /** Net of refunds. */
  revenue: number;
  /** Taken off the orders' values by refunds. */
  refunded: number;
  orders: number;
  buyers: number;
  average_order_value: number | null;
  /** Revenue / visitors of the range (with the filters). */
  revenue_per_visitor: number | null;
}

/** The site's revenue currency (sites.config.currency, default USD). */
export const siteCurrency = (site: StatsSite) => parseSiteConfig(site.config).currency;

/**
 * Revenue, orders, AOV and revenue per visitor of the range in the site's currency; purchases in other
 * currencies are reported apart, as sent (never converted with invented rates). From events: purchases
 * are few, and the order-id check needs the events (migration 0081's index makes it one probe).
 */
export async function revenue(deps: StatsDeps, site: StatsSite, q: StatsQuery) {
  q = await resolveSaved(deps.pool, site, q);
  const s = scopeOf(site, q);
  const currency = siteCurrency(site);
  const rows = await runStatement<{
    currency: string;
    revenue: number;
    refunded: number;
    orders: number;
    buyers: number;
    visitors: number;
  }>(deps, 'revenue', revenueTotals(s, s.p.add(currency)), s.p.values);
  const visitors = rows[0]?.visitors ?? 0;
  const totals = (r: {
    currency: string;
    revenue: number;
    refunded: number;
    orders: number;
    buyers: number;
  }): CurrencyTotals => ({
    currency: r.currency,
    revenue: r.revenue,
    refunded: r.refunded,
    orders: r.orders,
    buyers: r.buyers,
    average_order_value: r.orders ? r.revenue / r.orders : null,
    revenue_per_visitor: visitors ? r.revenue / visitors : null,
  });
  const own = rows.find((r) => r.currency === currency);
  return {
    visitors,
    ...totals(own ?? { currency, revenue: 0, refunded: 0, orders: 0, buyers: 0 }),
    other_currencies: rows.filter((r) => r.currency !== currency).map(totals),
  };
}

/** Revenue in the site's currency by one dimension (paged like breakdowns). */
export async function revenueBy(
  deps: StatsDeps,
  site: StatsSite,
  dim: RevenueDimension,
  q: StatsQuery & { limit: number; cursor?: string | undefined },
) {
  q = await resolveSaved(deps.pool, site, q);
  const s = scopeOf(site, q);
  const offset = decodeOffset(q.cursor);
  const currency = s.p.add(siteCurrency(site));
  const rows = await runStatement(
    deps,
    `revenue_${dim}`,
    revenueBreakdown(s, currency, dim, s.p.add(q.limit + 1), s.p.add(offset)),
    s.p.values,
  );
  return { dimension: dim, currency: siteCurrency(site), ...offsetPage(rows, q.limit, offset) };
}
