import { call, loginAs } from './helpers.js';
import { useStatsAgencies } from './fixtures/use-api.js';
import { HealthTally } from '@beacon/db';
import { EVENTS, SITE_A, SITE_A2, SITE_B } from './fixtures/stats-data.js';

// Usage per client (issue 15): per site and month, counted against a plain-JS count of the fixture.

const api = useStatsAgencies({}, ['admin']);
let adminB: string;

beforeAll(async () => {
  adminB = await loginAs(api.t, api.b.id, 'admin');
});

const jan = (site: string) =>
  EVENTS.filter((e) => e.site_id === site && e.server_timestamp.startsWith('2026-01'));

test('per site and month: events stored, page views, bots, identified companies; JSON and CSV', async () => {
  const r = await call(api.url, 'GET', '/v1/usage?month=2026-01', { token: api.tok.admin });
  expect(r.status).toBe(200);
  const a = r.body.items.find((x: { site_id: string }) => x.site_id === api.ids.siteA);
  const ev = jan(SITE_A);
  expect(a).toMatchObject({
    events_stored: ev.length,
    page_views: ev.filter((e) => e.event_name === 'page_view').length,
    bot_events: ev.filter((e) => e.visitor_type === 'bot').length,
    identified_companies: new Set(ev.map((e) => e.company_domain).filter(Boolean)).size,
  });
  expect(a.events_stored).toBeGreaterThan(0);
  expect(a.identified_companies).toBeGreaterThan(0);
  expect(r.body.items.map((x: { site_id: string }) => x.site_id)).not.toContain(api.ids.siteB);
  const empty = await call(api.url, 'GET', '/v1/usage?month=2025-06', { token: api.tok.admin });
  expect(empty.body.items.every((x: { events_stored: number }) => x.events_stored === 0)).toBe(true);

  const csv = await call(api.url, 'GET', '/v1/usage/export?month=2026-01', { token: api.tok.admin });
  expect(csv.headers.get('content-type')).toContain('text/csv');
  const lines = (csv.body as string).trim().split('\r\n');
  expect(lines[0]).toBe(
    'month,site_id,site_name,domain,status,events_stored,page_views,bot_events,identified_companies,' +
      'events_received,events_dropped,events_rejected,dropped_by_reason,monthly_event_quota,quota_used_pct,' +
      'agency_api_calls',
  );
  expect(lines.find((l) => l.includes(api.ids.siteA))).toContain(`,${ev.length},`);
  // The agency's API calls only on the last, labelled line; site lines leave the column empty.
  expect(lines.slice(1, -1).every((l) => l.endsWith(','))).toBe(true);
  expect(lines.at(-1)).toMatch(/^2026-01,,\(agency total\)(,){13}\d+$/);

  const b = await call(api.url, 'GET', '/v1/usage?month=2026-01', { token: adminB });
  expect(b.body.items.map((x: { site_id: string }) => x.site_id)).toEqual([api.ids.siteB]);
  expect(b.body.items[0].events_stored).toBe(jan(SITE_B).length);
  expect((await call(api.url, 'GET', '/v1/usage?month=2026-13', { token: api.tok.admin })).status).toBe(400);
});

test('events received, dropped by reason and rejected per site and month, from the health counts', async () => {
  // The collector's own tally and flush (one upsert), with hours on both sides of the month's edges.
  const tally = new HealthTally();
  const h = (iso: string) => Date.parse(iso);
  tally.add(SITE_A, h('2026-03-01T00:00:00Z'), 'received', '', 40);
  tally.add(SITE_A, h('2026-03-31T23:00:00Z'), 'received', '', 2);
  tally.add(SITE_A, h('2026-03-10T12:00:00Z'), 'dropped', 'bot:ua', 5);
  tally.add(SITE_A, h('2026-03-11T12:00:00Z'), 'dropped', 'bot:ua', 1);
  tally.add(SITE_A, h('2026-03-10T12:00:00Z'), 'dropped', 'duplicate', 3);
  tally.add(SITE_A, h('2026-03-10T12:00:00Z'), 'rejected', 'origin_not_allowed', 7);
  tally.add(SITE_A, h('2026-03-10T12:00:00Z'), 'stored', '', 33); // not a usage figure
  tally.add(SITE_A, h('2026-02-28T23:00:00Z'), 'received', '', 1000); // February
  tally.add(SITE_A, h('2026-04-01T00:00:00Z'), 'received', '', 1000); // April
  tally.add(SITE_A2, h('2026-03-10T12:00:00Z'), 'received', '', 9);
  tally.add(SITE_B, h('2026-03-10T12:00:00Z'), 'received', '', 11);
  await tally.flush(api.pool);

  const r = await call(api.url, 'GET', '/v1/usage?month=2026-03', { token: api.tok.admin });
  expect(r.status).toBe(200);
  const row = (id: string) => r.body.items.find((x: { site_id: string }) => x.site_id === id);
  expect(row(api.ids.siteA)).toMatchObject({
    events_received: 42,
    events_dropped: 9,
    dropped_by_reason: { 'bot:ua': 6, duplicate: 3 },
    events_rejected: 7,
  });
  expect(row(api.ids.siteA2)).toMatchObject({
    events_received: 9,
    events_dropped: 0,
    dropped_by_reason: {},
    events_rejected: 0,
  });
  expect(r.body.items.map((x: { site_id: string }) => x.site_id)).not.toContain(api.ids.siteB);
  const feb = await call(api.url, 'GET', '/v1/usage?month=2026-02', { token: api.tok.admin });
  expect(feb.body.items.find((x: { site_id: string }) => x.site_id === api.ids.siteA).events_received).toBe(
    1000,
  );
  const b = await call(api.url, 'GET', '/v1/usage?month=2026-03', { token: adminB });
  expect(b.body.items[0]).toMatchObject({ events_received: 11, events_dropped: 0 });

  const csv = await call(api.url, 'GET', '/v1/usage/export?month=2026-03', { token: api.tok.admin });
  const line = (csv.body as string).split('\r\n').find((l) => l.includes(api.ids.siteA))!;
  expect(line).toContain(',42,9,7,"{""bot:ua"":6,""duplicate"":3}",');
});

test('authenticated API calls per agency and month: counted in memory, written by the flush', async () => {
  const month = new Date().toISOString().slice(0, 7);
  const usageOfB = async () => {
    const r = await call(api.url, 'GET', `/v1/usage?month=${month}`, { token: adminB });
    expect(r.status).toBe(200);
    return r.body.api_calls as { total: number; user: number; api_key: number; share: number };
  };
  await api.t.api.deps.apiCalls.flush(api.pool);
  const before = await usageOfB(); // itself one user call, still in memory
  const stored = () =>
    api.pool
      .query(`SELECT coalesce(sum(count), 0)::int AS n FROM api_calls WHERE agency_id = $1`, [
        api.ids.agencyB,
      ])
      .then((q) => q.rows[0].n as number);
  const storedBefore = await stored();

  for (let i = 0; i < 5; i++)
    expect((await call(api.url, 'GET', '/v1/sites', { token: api.b.apiKey })).status).toBe(200);
  for (let i = 0; i < 3; i++)
    expect((await call(api.url, 'GET', '/v1/sites', { token: adminB })).status).toBe(200);
  const link = await call(api.url, 'POST', `/v1/sites/${api.ids.siteB}/share-links`, {
    token: adminB,
    body: { label: 'Client' },
  });
  expect(link.status).toBe(201);
  const session = await call(api.url, 'POST', '/v1/share/session', { body: { token: link.body.token } });
  const share = session.body.access_token as string;
  for (let i = 0; i < 2; i++)
    expect(
      (
        await call(
          api.url,
          'GET',
          `/v1/sites/${api.ids.siteB}/stats/overview?from=2026-01-10&to=2026-01-16`,
          {
            token: share,
          },
        )
      ).status,
    ).toBe(200);
  // A refused request (a share token on a route it may not open) is still an authenticated call.
  expect((await call(api.url, 'GET', '/v1/sites', { token: share })).status).toBe(403);
  // A bad credential is not a call of anyone's.
  expect((await call(api.url, 'GET', '/v1/sites', { token: 'bk_00000000_nope' })).status).toBe(401);
  // Nothing written per request: the table holds what it held until the flush.
  expect(await stored()).toBe(storedBefore);

  await api.t.api.deps.apiCalls.flush(api.pool);
  const after = await usageOfB();
  expect({
    user: after.user - before.user,
    api_key: after.api_key - before.api_key,
    share: after.share - before.share,
    total: after.total - before.total,
  }).toEqual({ user: 1 + 3 + 1, api_key: 5, share: 3, total: 13 });
  // In the CSV the figure stands once (the agency's line): the column sums to the agency's total.
  await call(api.url, 'GET', `/v1/sites/${api.ids.siteB}`, { token: api.b.apiKey });
  await api.t.api.deps.apiCalls.flush(api.pool);
  const csv = await call(api.url, 'GET', `/v1/usage/export?month=${month}`, { token: adminB });
  const rows = (csv.body as string).trim().split('\r\n');
  const sum = rows.slice(1).reduce((n, l) => n + Number(l.split(',').at(-1) || 0), 0);
  const now = await usageOfB();
  expect(sum).toBe(now.total); // the export and this call are still in memory
  expect(rows.at(-1)).toContain('(agency total)');
  // Agency A's figure does not move with B's calls.
  const a = await call(api.url, 'GET', `/v1/usage?month=${month}`, { token: api.tok.admin });
  expect(a.body.api_calls.api_key).toBe(0);
});
