import * as q from '../src/queries/index.js';
import { revenue, revenueBy } from '../src/queries/revenue.js';
import {
  byTime,
  generate,
  inDays,
  insertEvents,
  localDay,
  refOrders,
  TZ,
  type Ev,
} from './fixtures/conversions-data.js';
import { call } from './helpers.js';
import { useSiteA } from './fixtures/use-api.js';

// Revenue (docs/conversions.md) against a plain-JS reference on the hand-made data set: duplicate
// order ids (counted once per site, at their first purchase, also across days and ranges), several
// currencies reported apart, attribution by landing and by event dimensions. Real PostgreSQL and HTTP.

const api = useSiteA({ timezone: TZ, currency: 'EUR' });
let events: Ev[];
/** A reload of an order's thank-you page 36 hours after the order. */
const RELOAD = (e: Ev) => new Date(Date.parse(e.server_timestamp) + 36 * 3_600_000).toISOString();
const round = (n: number | null) => (n === null ? null : Math.round(n * 1e6) / 1e6);

beforeAll(async () => {
  events = generate(api.f.siteA.scriptId, 11);
  // Hand-made edge cases: a reload of an order two days later, an order id with spaces, a lower-case
  // currency, no currency (the site's), a value that is not a number, a bot's purchase.
  const base = events.find((e) => e.event_name === 'purchase' && e.visitor_type !== 'bot')!;
  const extra = (over: Partial<Ev>, data: Record<string, unknown>): Ev => ({
    ...base,
    id: crypto.randomUUID(),
    ...over,
    ecommerce_data: data,
  });
  events.push(
    extra({ server_timestamp: RELOAD(base) }, { ...base.ecommerce_data }),
    extra(
      { server_timestamp: '2026-03-29T12:00:00.000Z' },
      { transaction_id: ' X-1 ', value: 100, currency: 'gbp' },
    ),
    extra(
      { server_timestamp: '2026-03-29T13:00:00.000Z' },
      { transaction_id: 'X-1', value: 100, currency: 'GBP' },
    ),
    extra({ server_timestamp: '2026-03-29T14:00:00.000Z' }, { transaction_id: 'X-2', value: 20 }),
    extra({ server_timestamp: '2026-03-29T15:00:00.000Z' }, { transaction_id: 'X-3', value: 'lots' }),
    extra(
      { server_timestamp: '2026-03-29T16:00:00.000Z', visitor_type: 'bot' },
      { transaction_id: 'X-4', value: 5 },
    ),
    extra({ server_timestamp: '2026-03-29T17:00:00.000Z' }, { transaction_id: 'X-5', value: 50 }),
    extra({ server_timestamp: '2026-03-29T17:30:00.000Z' }, { transaction_id: 'X-6', value: 30 }),
  );
  // Refunds (beacon.refund): partial ones adding up, a whole one (no value) sent twice, more than the
  // order, one days after the range, a bot's, one of an unknown order, one naming the order by spaces.
  const refund = (at: string, data: Record<string, unknown>, over: Partial<Ev> = {}) =>
    extra({ server_timestamp: at, event_name: 'refund', ...over }, data);
  events.push(
    refund('2026-03-29T18:00:00.000Z', { transaction_id: 'X-1 ', value: 10 }),
    refund('2026-04-02T09:00:00.000Z', { transaction_id: 'X-1', value: '20' }),
    refund('2026-03-29T18:00:00.000Z', { transaction_id: 'X-1', value: 50 }, { visitor_type: 'bot' }),
    refund('2026-03-29T18:10:00.000Z', { transaction_id: 'X-2' }),
    refund('2026-03-29T18:11:00.000Z', { transaction_id: 'X-2' }),
    refund('2026-03-29T18:20:00.000Z', { transaction_id: 'X-3', value: 5 }),
    refund('2026-03-29T18:30:00.000Z', { transaction_id: 'X-5', value: 10 }),
    refund('2026-03-30T18:30:00.000Z', { transaction_id: 'X-5', value: 15 }),
    refund('2026-03-29T18:40:00.000Z', { transaction_id: 'X-6', value: 20 }),
    refund('2026-03-29T18:41:00.000Z', { order_id: 'X-6', value: 20 }),
    refund('2026-03-29T18:50:00.000Z', { transaction_id: 'X-404', value: 99 }),
  );
  await insertEvents(api.pool, events);
}, 60_000);

const RANGES = [
  { from: '2026-03-29', to: '2026-03-29' },
  { from: '2026-03-27', to: '2026-03-31' },
  { from: '2026-03-30', to: '2026-03-31' },
];

test.each(RANGES)('totals per currency = reference %o', async (range) => {
  const evs = inDays(events, range.from, range.to);
  const orders = refOrders(events, evs, 'EUR');
  const visitors = new Set(evs.map((e) => e.client_id).filter(Boolean)).size;
  const got = await revenue({ pool: api.pool }, api.site, q.statsQuery.parse(range));
  const per = (c: string) => {
    const os = orders.filter((o) => o.currency === c);
    const rev = os.reduce((a, o) => a + o.value, 0);
    return {
      currency: c,
      revenue: round(rev),
      refunded: round(os.reduce((a, o) => a + o.refunded, 0)),
      orders: os.length,
      buyers: new Set(os.map((o) => o.ev.client_id).filter(Boolean)).size,
      average_order_value: os.length ? round(rev / os.length) : null,
      revenue_per_visitor: visitors ? round(rev / visitors) : null,
    };
  };
  const r = (x: (typeof got.other_currencies)[number]) => ({
    ...x,
    revenue: round(x.revenue),
    refunded: round(x.refunded),
    average_order_value: round(x.average_order_value),
    revenue_per_visitor: round(x.revenue_per_visitor),
  });
  const { visitors: v, other_currencies, ...own } = got;
  expect(v).toBe(visitors);
  expect(r(own)).toEqual(per('EUR'));
  const others = [...new Set(orders.map((o) => o.currency))].filter((c) => c !== 'EUR');
  expect(other_currencies.map(r).sort((a, b) => a.currency.localeCompare(b.currency))).toEqual(
    others.sort().map(per),
  );
  expect(orders.length).toBeGreaterThan(0);
});

test('refunds: subtracted per order, whenever sent, between nothing and the whole order', async () => {
  const day = await revenue(
    { pool: api.pool },
    api.site,
    q.statsQuery.parse({ from: '2026-03-29', to: '2026-03-29' }),
  );
  // X-1 (GBP 100, sent twice): 10 + 20 refunded (the bot's 50 ignored), counted once.
  expect(day.other_currencies.find((c) => c.currency === 'GBP')).toMatchObject({
    orders: 1,
    revenue: 70,
    refunded: 30,
  });
  const orders = refOrders(events, inDays(events, '2026-03-29', '2026-03-29'), 'EUR');
  const net = (id: string) => orders.find((o) => o.ev.ecommerce_data?.transaction_id === id)!;
  // X-2 whole (twice: still the order once), X-3 nothing to take, X-5 two partial, X-6 capped.
  expect(['X-2', 'X-3', 'X-5', 'X-6'].map((id) => [net(id).value, net(id).refunded])).toEqual([
    [0, 20],
    [0, 0],
    [25, 25],
    [0, 30],
  ]);
  expect(round(day.refunded)).toBe(
    round(orders.filter((o) => o.currency === 'EUR').reduce((a, o) => a + o.refunded, 0)),
  );
  expect(day.refunded).toBeGreaterThanOrEqual(75);
  // A refunded order still counts as an order; revenue by dimension is net as well.
  const by = await revenueBy(
    { pool: api.pool },
    api.site,
    'countries',
    q.pagedQuery.parse({ from: '2026-03-29', to: '2026-03-29', limit: '500' }),
  );
  expect(round(by.items.reduce((a, i) => a + (i.revenue as number), 0))).toBe(round(day.revenue));
});

test('duplicate order ids: counted once, at their first purchase, whatever the range', async () => {
  const day = await revenue(
    { pool: api.pool },
    api.site,
    q.statsQuery.parse({ from: '2026-03-29', to: '2026-03-29' }),
  );
  // 100 GBP sent twice, one order (30 of it refunded).
  expect(day.other_currencies.find((c) => c.currency === 'GBP')).toMatchObject({ orders: 1, revenue: 70 });
  // The reload of an order first seen a day and a half earlier adds nothing to its own day.
  const base = events.find((e) => e.event_name === 'purchase' && e.visitor_type !== 'bot')!;
  const reloadDay = localDay(RELOAD(base));
  const later = inDays(events, reloadDay, reloadDay);
  const reload = later.filter((e) => e.server_timestamp === RELOAD(base) && e.event_name === 'purchase');
  expect(reload).toHaveLength(1);
  expect(refOrders(events, later, 'EUR').some((o) => o.ev === reload[0])).toBe(false);
  const ofDay = await revenue(
    { pool: api.pool },
    api.site,
    q.statsQuery.parse({ from: reloadDay, to: reloadDay }),
  );
  const want = refOrders(events, later, 'EUR').filter((o) => o.currency === 'EUR');
  expect(ofDay.orders).toBe(want.length);
  const all = events.filter((e) => e.event_name === 'purchase').sort(byTime);
  expect(all.length).toBeGreaterThan(
    refOrders(events, inDays(events, '2026-03-01', '2026-04-30'), 'EUR').length,
  );
});

test.each([
  ['channels', 'channel', true],
  ['utm_campaigns', 'utm_campaign', true],
  ['pages', 'page_path', false],
  ['companies', 'company_name', false],
] as const)('revenue by %s = reference', async (dim, column, landing) => {
  const range = { from: '2026-03-27', to: '2026-03-31' };
  const evs = inDays(events, range.from, range.to);
  const orders = refOrders(events, evs, 'EUR').filter((o) => o.currency === 'EUR');
  const rows = new Map<string | null, { visitors: Set<string>; orders: number; revenue: number }>();
  const row = (k: string | null) => {
    const r = rows.get(k) ?? { visitors: new Set<string>(), orders: 0, revenue: 0 };
    rows.set(k, r);
    return r;
  };
  const touch = new Map<string, Ev>();
  if (landing) {
    for (const e of [...evs].sort(byTime))
      if (e.session_id !== null && !touch.has(e.session_id)) touch.set(e.session_id, e);
    for (const e of touch.values())
      if (e.client_id) row(e[column] as string | null).visitors.add(e.client_id);
  }
  for (const o of orders) {
    const k = landing ? ((o.ev.session_id && touch.get(o.ev.session_id)?.[column]) ?? null) : o.ev[column];
    const r = row(k as string | null);
    r.orders++;
    r.revenue += o.value;
  }
  const got = await revenueBy(
    { pool: api.pool },
    api.site,
    dim,
    q.pagedQuery.parse({ ...range, limit: '500' }),
  );
  const want = [...rows].filter(([, r]) => r.orders > 0);
  expect(got.items).toHaveLength(want.length);
  for (const item of got.items) {
    const w = rows.get(item.value as string | null)!;
    let visitors = w.visitors.size;
    if (!landing) {
      const src = dim === 'pages' ? evs.filter((e) => e.event_name === 'page_view') : evs;
      visitors = new Set(src.filter((e) => e[column] === item.value && e.client_id).map((e) => e.client_id))
        .size;
    }
    expect({
      value: item.value,
      orders: item.orders,
      revenue: round(item.revenue as number),
      visitors: item.visitors,
    }).toEqual({
      value: item.value,
      orders: w.orders,
      revenue: round(w.revenue),
      visitors,
    });
  }
  const revenues = got.items.map((i) => i.revenue as number);
  expect(revenues).toEqual([...revenues].sort((a, b) => b - a));
});

test('routes: every role reads, another agency gets 404, bad dimension 400, the site currency is a setting', async () => {
  const { viewer, adminB, admin } = api.tok;
  const base = `/v1/sites/${api.f.siteA.id}/stats/revenue`;
  const r = await call(api.url, 'GET', `${base}?from=2026-03-27&to=2026-03-31`, { token: viewer });
  expect(r.status).toBe(200);
  expect(r.body.currency).toBe('EUR');
  expect(
    (await call(api.url, 'GET', `${base}/channels?from=2026-03-27&to=2026-03-31`, { token: viewer })).status,
  ).toBe(200);
  expect((await call(api.url, 'GET', `${base}/nope`, { token: viewer })).status).toBe(400);
  expect((await call(api.url, 'GET', base, { token: adminB })).status).toBe(404);
  const bad = await call(api.url, 'PATCH', `/v1/sites/${api.f.siteA.id}`, {
    token: admin,
    body: { config: { currency: 'euro' } },
  });
  expect(bad.status).toBe(400);
  const ok = await call(api.url, 'PATCH', `/v1/sites/${api.f.siteA.id}`, {
    token: admin,
    body: { config: { currency: 'GBP' } },
  });
  expect(ok.body.config.currency).toBe('GBP');
  const gbp = await call(api.url, 'GET', `${base}?from=2026-03-29&to=2026-03-29`, { token: viewer });
  // X-1 (100 GBP, 30 refunded), and X-2, X-3, X-5, X-6 sent without a currency: now the site's (X-3's
  // value is no number: 0; net of refunds X-2 0, X-5 25, X-6 0).
  expect(gbp.body).toMatchObject({ currency: 'GBP', orders: 5, revenue: 95, refunded: 105 });
});
