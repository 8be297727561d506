import type { Pool } from 'pg';
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
import { call, login, seedTwoAgencies, startTestApi, type TestApi } from './helpers.js';

// Revenue (docs/conversions.md) against a plain-JS reference on the hand-made data set: duplicate
// order ids (counted once per site, at their first purchase, also across days and ranges), several
// currencies reported apart, attribution by landing and by event dimensions. Real PostgreSQL and HTTP.

let t: TestApi;
let pool: Pool;
let f: Awaited<ReturnType<typeof seedTwoAgencies>>;
let site: q.StatsSite;
let events: Ev[];
/** A reload of an order's thank-you page 36 hours after the order. */
const RELOAD = (e: Ev) => new Date(Date.parse(e.server_timestamp) + 36 * 3_600_000).toISOString();
const round = (n: number | null) => (n === null ? null : Math.round(n * 1e6) / 1e6);

beforeAll(async () => {
  t = await startTestApi();
  pool = t.db.pool;
  f = await seedTwoAgencies(pool);
  const config = { timezone: TZ, currency: 'EUR' };
  await pool.query(`UPDATE sites SET config = $2 WHERE id = $1`, [f.siteA.id, JSON.stringify(config)]);
  site = { scriptId: f.siteA.scriptId, config };
  events = generate(f.siteA.scriptId, 11);
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
  );
  await insertEvents(pool, events);
}, 60_000);

afterAll(async () => {
  await t?.close();
});

const RANGES = [
  { from: '2026-03-29', to: '2026-03-29' },
  { from: '2026-03-27', to: '2026-03-31' },
  { from: '2026-03-30', to: '2026-03-31' },
];

test.each(RANGES)('totals per currency = reference %o', async (range) => {
  const evs = inDays(events, range.from, range.to);
  const orders = refOrders(events, evs, 'EUR');
  const visitors = new Set(evs.map((e) => e.client_id).filter(Boolean)).size;
  const got = await revenue({ pool }, site, q.statsQuery.parse(range));
  const per = (c: string) => {
    const os = orders.filter((o) => o.currency === c);
    const rev = os.reduce((a, o) => a + o.value, 0);
    return {
      currency: c,
      revenue: round(rev),
      orders: os.length,
      buyers: new Set(os.map((o) => o.ev.client_id).filter(Boolean)).size,
      average_order_value: os.length ? round(rev / os.length) : null,
      revenue_per_visitor: visitors ? round(rev / visitors) : null,
    };
  };
  const r = (x: (typeof got.other_currencies)[number]) => ({
    ...x,
    revenue: round(x.revenue),
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

test('duplicate order ids: counted once, at their first purchase, whatever the range', async () => {
  const day = await revenue({ pool }, site, q.statsQuery.parse({ from: '2026-03-29', to: '2026-03-29' }));
  expect(day.other_currencies.find((c) => c.currency === 'GBP')).toMatchObject({ orders: 1, revenue: 100 });
  // The reload of an order first seen a day and a half earlier adds nothing to its own day.
  const base = events.find((e) => e.event_name === 'purchase' && e.visitor_type !== 'bot')!;
  const reloadDay = localDay(RELOAD(base));
  const later = inDays(events, reloadDay, reloadDay);
  const reload = later.filter((e) => e.server_timestamp === RELOAD(base) && e.event_name === 'purchase');
  expect(reload).toHaveLength(1);
  expect(refOrders(events, later, 'EUR').some((o) => o.ev === reload[0])).toBe(false);
  const ofDay = await revenue({ pool }, site, q.statsQuery.parse({ from: reloadDay, to: reloadDay }));
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
  const got = await revenueBy({ pool }, site, dim, q.pagedQuery.parse({ ...range, limit: '500' }));
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
  const viewer = await login(t.url, f.viewer.email, f.viewer.password);
  const adminB = await login(t.url, f.adminB.email, f.adminB.password);
  const admin = await login(t.url, f.admin.email, f.admin.password);
  const base = `/v1/sites/${f.siteA.id}/stats/revenue`;
  const r = await call(t.url, 'GET', `${base}?from=2026-03-27&to=2026-03-31`, { token: viewer });
  expect(r.status).toBe(200);
  expect(r.body.currency).toBe('EUR');
  expect(
    (await call(t.url, 'GET', `${base}/channels?from=2026-03-27&to=2026-03-31`, { token: viewer })).status,
  ).toBe(200);
  expect((await call(t.url, 'GET', `${base}/nope`, { token: viewer })).status).toBe(400);
  expect((await call(t.url, 'GET', base, { token: adminB })).status).toBe(404);
  const bad = await call(t.url, 'PATCH', `/v1/sites/${f.siteA.id}`, {
    token: admin,
    body: { config: { currency: 'euro' } },
  });
  expect(bad.status).toBe(400);
  const ok = await call(t.url, 'PATCH', `/v1/sites/${f.siteA.id}`, {
    token: admin,
    body: { config: { currency: 'GBP' } },
  });
  expect(ok.body.config.currency).toBe('GBP');
  const gbp = await call(t.url, 'GET', `${base}?from=2026-03-29&to=2026-03-29`, { token: viewer });
  // X-1 (100 GBP), and X-2 and X-3 sent without a currency: now the site's (X-3's value is no number: 0).
  expect(gbp.body).toMatchObject({ currency: 'GBP', orders: 3, revenue: 120 });
});
