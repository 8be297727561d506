import { call, loginAs, seedStatsAgencies, startTestApi, type TestApi } from './helpers.js';
import { EVENTS, SITE_A, SITE_B, seedStats } from './fixtures/stats-data.js';

// Usage per client (issue 15): per site and month, counted against a plain-JS count of the fixture.

let t: TestApi;
let ids: Awaited<ReturnType<typeof seedStats>>;
let admin: string;
let adminB: string;

beforeAll(async () => {
  t = await startTestApi();
  const { a, b, ids: seeded } = await seedStatsAgencies(t.db.pool);
  ids = seeded;
  admin = await loginAs(t, a.id, 'admin');
  adminB = await loginAs(t, b.id, 'admin');
});
afterAll(async () => {
  await t.close();
});

const jan = (site: string) =>
  EVENTS.filter((e) => e.site_id === site && e.server_timestamp.startsWith('2026-01'));

test('per site and month: events stored, page views, bots, identified companies; JSON and CSV', async () => {
  const r = await call(t.url, 'GET', '/v1/usage?month=2026-01', { token: admin });
  expect(r.status).toBe(200);
  const a = r.body.items.find((x: { site_id: string }) => x.site_id === ids.siteA);
  const ev = jan(SITE_A);
  expect(a).toMatchObject({
    events_stored: ev.length,
    page_views: ev.filter((e) => e.event_name === 'page_view').length,
    bot_events: ev.filter((e) => e.visitor_type === 'bot').length,
    identified_companies: new Set(ev.map((e) => e.company_domain).filter(Boolean)).size,
  });
  expect(a.events_stored).toBeGreaterThan(0);
  expect(a.identified_companies).toBeGreaterThan(0);
  expect(r.body.items.map((x: { site_id: string }) => x.site_id)).not.toContain(ids.siteB);
  const empty = await call(t.url, 'GET', '/v1/usage?month=2025-06', { token: admin });
  expect(empty.body.items.every((x: { events_stored: number }) => x.events_stored === 0)).toBe(true);

  const csv = await call(t.url, 'GET', '/v1/usage/export?month=2026-01', { token: admin });
  expect(csv.headers.get('content-type')).toContain('text/csv');
  const lines = (csv.body as string).trim().split('\r\n');
  expect(lines[0]).toBe(
    'month,site_id,site_name,domain,status,events_stored,page_views,bot_events,identified_companies',
  );
  expect(lines.find((l) => l.includes(ids.siteA))).toContain(`,${ev.length},`);

  const b = await call(t.url, 'GET', '/v1/usage?month=2026-01', { token: adminB });
  expect(b.body.items.map((x: { site_id: string }) => x.site_id)).toEqual([ids.siteB]);
  expect(b.body.items[0].events_stored).toBe(jan(SITE_B).length);
  expect((await call(t.url, 'GET', '/v1/usage?month=2026-13', { token: admin })).status).toBe(400);
});
