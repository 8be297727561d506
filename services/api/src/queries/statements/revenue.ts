import { numericOf } from '../goals.js';
import { inRange, type Scope } from '../scope.js';

/**
 * Revenue from purchases (docs/conversions.md). An order is a non-bot `purchase` event with
 * ecommerce_data; its id is `transaction_id` (or `order_id`), and a site's order counts once, at its
 * first purchase event (by server_timestamp, id) whenever that was: a reloaded thank-you page adds no
 * revenue. Value: the number at `value` (else 0); currency: `currency` upper-cased, else the site's.
 * Refunds: non-bot `refund` events with ecommerce_data naming the order id, whenever sent, are
 * subtracted from the order: the sum of their `value`s, or the whole order when one has no number,
 * never more than the order's value nor less than 0.
 */

/** The order id of purchase alias `a` (the expression of migration 0081's index). */
export const ORDER_ID = (a: string) =>
  `nullif(btrim(coalesce(${a}.ecommerce_data ->> 'transaction_id', ${a}.ecommerce_data ->> 'order_id')), '')`;

/**
 * CTE `orders`: the range's first purchase events of their order, `value` net of refunds and
 * `refunded` the amount taken off. `currency` placeholder: the site's.
 */
const orders = (s: Scope, currency: string) => `orders AS (
  SELECT p.id, p.server_timestamp, p.client_id, p.session_id, p.page_path, p.company_name, p.country,
         p.device_type, p.order_id, p.currency, p.value - rf.amount AS value, rf.amount AS refunded
  FROM (
    SELECT e.id, e.server_timestamp, e.client_id, e.session_id, e.page_path, e.company_name, e.country,
           e.device_type, ${ORDER_ID('e')} AS order_id,
           coalesce(nullif(upper(btrim(e.ecommerce_data ->> 'currency')), ''), ${currency}::text) AS currency,
           coalesce(${numericOf(`(e.ecommerce_data ->> 'value')`)}, 0) AS value
    FROM events e
    WHERE ${inRange(s)} AND e.event_name = 'purchase' AND e.ecommerce_data IS NOT NULL
  ) p
  CROSS JOIN LATERAL (
    SELECT greatest(0, least(p.value, coalesce(CASE WHEN bool_or(x.v IS NULL) THEN p.value ELSE sum(x.v) END, 0)))
             AS amount
    FROM (
      SELECT ${numericOf(`(r.ecommerce_data ->> 'value')`)} AS v
      FROM events r
      WHERE p.order_id IS NOT NULL AND r.site_id = ${s.site} AND r.event_name = 'refund'
        AND ${ORDER_ID('r')} = p.order_id
        AND r.ecommerce_data IS NOT NULL AND r.visitor_type IS DISTINCT FROM 'bot'
    ) x
  ) rf
  WHERE p.order_id IS NULL OR NOT EXISTS (
    SELECT 1 FROM events o
    WHERE o.site_id = ${s.site} AND o.event_name = 'purchase' AND ${ORDER_ID('o')} = p.order_id
      AND o.ecommerce_data IS NOT NULL AND o.visitor_type IS DISTINCT FROM 'bot'
      AND o.server_timestamp <= p.server_timestamp AND (o.server_timestamp, o.id) < (p.server_timestamp, p.id))
)`;

/**
 * Totals per currency, the site's first. In: scope, currency placeholder.
 * Out: currency, revenue (float8, net of refunds), refunded (float8), orders, buyers, visitors (of the
 * range, every currency row the same).
 */
export const revenueTotals = (s: Scope, currency: string) => `
WITH ${orders(s, currency)}, v AS (
  SELECT count(DISTINCT e.client_id)::int AS visitors FROM events e WHERE ${inRange(s)}
)
SELECT o.currency, sum(o.value)::float8 AS revenue, sum(o.refunded)::float8 AS refunded, count(*)::int AS orders,
       count(DISTINCT o.client_id)::int AS buyers, v.visitors
FROM orders o CROSS JOIN v
GROUP BY o.currency, v.visitors
ORDER BY (o.currency = ${currency}::text) DESC, revenue DESC, o.currency`;

/** Dimensions of revenue: landing ones are the session's first event of the range, the rest the order's own. */
export const REVENUE_DIMENSIONS = {
  channels: { column: 'channel', landing: true },
  referrers: { column: 'referrer_domain', landing: true },
  utm_sources: { column: 'utm_source', landing: true },
  utm_mediums: { column: 'utm_medium', landing: true },
  utm_campaigns: { column: 'utm_campaign', landing: true },
  pages: { column: 'page_path', landing: false },
  companies: { column: 'company_name', landing: false },
  countries: { column: 'country', landing: false },
  devices: { column: 'device_type', landing: false },
} as const;
export type RevenueDimension = keyof typeof REVENUE_DIMENSIONS;

/**
 * Revenue in the site's currency by one dimension. Landing dimensions: an order is credited to the
 * value of its session's first event in the range, and a row's visitors are the visitors of the
 * sessions starting with that value. Other dimensions: the order event's own value, and the visitors
 * with an event of that value (page views for pages).
 * Out: value, visitors, orders, revenue, average_order_value, revenue_per_visitor.
 */
export const revenueBreakdown = (
  s: Scope,
  currency: string,
  dim: RevenueDimension,
  limit: string,
  offset: string,
) => {
  const d = REVENUE_DIMENSIONS[dim];
  const rows = d.landing
    ? `touch AS (
  SELECT DISTINCT ON (e.session_id) e.session_id, e.client_id, e.${d.column} AS value
  FROM events e
  WHERE ${inRange(s)} AND e.session_id IS NOT NULL
  ORDER BY e.session_id, e.server_timestamp, e.id
), vis AS (
  SELECT value, count(DISTINCT client_id) AS visitors FROM touch GROUP BY value
), rev AS (
  SELECT t.value, count(*) AS orders, sum(o.value) AS revenue
  FROM orders o LEFT JOIN touch t ON t.session_id = o.session_id
  WHERE o.currency = ${currency}::text
  GROUP BY t.value
)`
    : `vis AS (
  SELECT e.${d.column} AS value, count(DISTINCT e.client_id) AS visitors
  FROM events e
  WHERE ${inRange(s)}${dim === 'pages' ? ` AND e.event_name = 'page_view'` : ''}
  GROUP BY e.${d.column}
), rev AS (
  SELECT o.${d.column} AS value, count(*) AS orders, sum(o.value) AS revenue
  FROM orders o
  WHERE o.currency = ${currency}::text
  GROUP BY o.${d.column}
)`;
  return `
WITH ${orders(s, currency)}, ${rows}
SELECT r.value, coalesce(v.visitors, 0)::int AS visitors, r.orders::int AS orders, r.revenue::float8 AS revenue,
       (r.revenue / r.orders)::float8 AS average_order_value,
       (r.revenue / nullif(v.visitors, 0))::float8 AS revenue_per_visitor
FROM rev r LEFT JOIN vis v ON v.value IS NOT DISTINCT FROM r.value
ORDER BY revenue DESC, orders DESC, r.value ASC NULLS LAST
LIMIT ${limit} OFFSET ${offset}`;
};
