import { rebuildRollups } from '@beacon/db';
import * as q from '../src/queries/index.js';
import { goalStats } from '../src/queries/conversions.js';
import { revenue } from '../src/queries/revenue.js';
import type { GoalDef } from '../src/queries/goals.js';
import { generate, insertEvents, TZ, type Ev } from './fixtures/conversions-data.js';
import { call, rolledAndRaw } from './helpers.js';
import { useSiteA } from './fixtures/use-api.js';

// Segments (docs/conversions.md): saved per site, shared with the agency's users, and a segment gives
// every view exactly what its filters given by hand give (rollups and raw events alike), ANDed with the
// request's own filters. Real PostgreSQL and HTTP.

const api = useSiteA({ timezone: TZ, currency: 'EUR' });
let events: Ev[];
let goal: GoalDef;
const range = { from: '2026-03-27', to: '2026-03-31' };
const seg: Record<string, string> = {};
const base = () => `/v1/sites/${api.f.siteA.id}`;

beforeAll(async () => {
  events = generate(api.f.siteA.scriptId, 5);
  await insertEvents(api.pool, events);
  await rebuildRollups(api.pool, { siteId: api.f.siteA.scriptId, chunkHours: 24 * 31 });
  const g = await call(api.url, 'POST', `${base()}/goals`, {
    token: api.tok.user,
    body: { name: 'Signup', kind: 'event', event_name: 'signup' },
  });
  goal = (await api.pool.query<GoalDef>('SELECT * FROM goals WHERE id = $1', [g.body.id])).rows[0]!;
  for (const [name, filters] of [
    ['German desktops', { country: ['DE'], device_type: ['desktop'] }],
    ['Signed up', { goal: [goal.id] }],
    ['Email or none', { channel: ['email', 'direct'], utm_source: ['(none)', 'newsletter'] }],
  ] as const) {
    const r = await call(api.url, 'POST', `${base()}/segments`, {
      token: api.tok.user,
      body: { name, filters },
    });
    expect(r.status).toBe(201);
    seg[name] = r.body.id;
  }
}, 60_000);

const both = <T>(fn: (deps: q.StatsDeps) => Promise<T>) => rolledAndRaw(api.pool, fn);

/** Every view, given a query object (range + filters or segment). */
const views = (params: Record<string, unknown>): [string, (d: q.StatsDeps) => Promise<unknown>][] => [
  ['overview', (d) => q.overview(d, api.site, q.statsQuery.parse(params))],
  ['timeseries', (d) => q.timeseries(d, api.site, q.timeseriesQuery.parse({ ...params, interval: 'day' }))],
  ['companies', (d) => q.companies(d, api.site, q.companiesQuery.parse(params))],
  ['channels', (d) => q.breakdown(d, api.site, 'channels', q.breakdownQuery.parse(params))],
  ['pages', (d) => q.breakdown(d, api.site, 'pages', q.breakdownQuery.parse(params))],
  ['cities', (d) => q.breakdown(d, api.site, 'cities', q.breakdownQuery.parse(params))],
  ['sessions', (d) => q.sessions(d, api.site, q.pagedQuery.parse(params))],
  ['revenue', (d) => revenue(d, api.site, q.statsQuery.parse(params))],
  ['goals', (d) => goalStats(d, api.site, q.statsQuery.parse(params), [goal])],
];

test.each([
  ['German desktops', { country: 'DE', device_type: 'desktop' }],
  ['Signed up', { goal: 'GOAL' }],
  ['Email or none', { channel: ['email', 'direct'], utm_source: ['(none)', 'newsletter'] }],
] as const)('segment %s = its filters by hand, on every view, from rollups and events', async (name, by) => {
  const hand = Object.fromEntries(Object.entries(by).map(([k, v]) => [k, v === 'GOAL' ? goal.id : v]));
  const a = views({ ...range, segment: seg[name] });
  const b = views({ ...range, ...hand });
  for (let i = 0; i < a.length; i++) {
    const [view, withSegment] = a[i]!;
    const s = await both(withSegment);
    const h = await both(b[i]![1]);
    expect([view, s.sources]).toEqual([view, h.sources]);
    expect([view, s.rolled]).toEqual([view, s.raw]);
    expect([view, s.raw]).toEqual([view, h.raw]);
  }
  const o = await q.overview(
    { pool: api.pool },
    api.site,
    q.statsQuery.parse({ ...range, segment: seg[name] }),
  );
  expect(o.current.visitors).toBeGreaterThan(0);
});

test("a segment ANDs with the request's filters: common values only, none in common matches nothing", async () => {
  const viaSeg = await q.overview(
    { pool: api.pool },
    api.site,
    q.statsQuery.parse({ ...range, segment: seg['German desktops'], country: ['DE', 'US'] }),
  );
  const de = await q.overview(
    { pool: api.pool },
    api.site,
    q.statsQuery.parse({ ...range, country: 'DE', device_type: 'desktop' }),
  );
  expect(viaSeg).toEqual(de);
  const none = await both((d) =>
    q.overview(d, api.site, q.statsQuery.parse({ ...range, segment: seg['German desktops'], country: 'US' })),
  );
  expect(none.rolled).toEqual(none.raw);
  expect(none.raw.current).toMatchObject({ visitors: 0, events: 0, sessions: 0 });
  // A segment with a goal and a goal in the request: visitors who converted on both (here the same goal).
  const g2 = await q.overview(
    { pool: api.pool },
    api.site,
    q.statsQuery.parse({ ...range, segment: seg['Signed up'], goal: goal.id }),
  );
  const g1 = await q.overview({ pool: api.pool }, api.site, q.statsQuery.parse({ ...range, goal: goal.id }));
  expect(g2).toEqual(g1);
});

test('routes: shared with the agency, writers save, viewers read, walls and bad input', async () => {
  // Saved by a user, read by the viewer and the admin of the same agency.
  for (const token of [api.tok.viewer, api.tok.admin]) {
    const list = await call(api.url, 'GET', `${base()}/segments`, { token });
    expect(list.body.items.map((s: { name: string }) => s.name).sort()).toEqual(Object.keys(seg).sort());
  }
  const one = await call(api.url, 'GET', `${base()}/segments/${seg['German desktops']}`, {
    token: api.tok.viewer,
  });
  expect(one.body.filters).toEqual({ country: ['DE'], device_type: ['desktop'] });
  const body = { name: 'Mobile', filters: { device_type: ['mobile'] } };
  expect((await call(api.url, 'POST', `${base()}/segments`, { token: api.tok.viewer, body })).status).toBe(
    403,
  );
  const created = await call(api.url, 'POST', `${base()}/segments`, { token: api.tok.admin, body });
  expect(created.status).toBe(201);
  expect(
    (
      await call(api.url, 'POST', `${base()}/segments`, {
        token: api.tok.user,
        body: { ...body, name: 'MOBILE' },
      })
    ).status,
  ).toBe(409);
  for (const bad of [
    { name: 'x', filters: { colour: ['red'] } },
    { name: 'x', filters: { country: [] } },
    { name: 'x', filters: { country: 'DE' } },
    { name: 'x', filters: { goal: ['00000000-0000-4000-8000-000000000000'] } },
    { name: '', filters: {} },
  ]) {
    const r = await call(api.url, 'POST', `${base()}/segments`, { token: api.tok.user, body: bad });
    expect([bad, r.status]).toEqual([bad, 400]);
  }
  const id = created.body.id;
  const upd = await call(api.url, 'PUT', `${base()}/segments/${id}`, {
    token: api.tok.user,
    body: { name: 'Mobile DE', filters: { device_type: ['mobile'], country: ['DE'] } },
  });
  expect(upd.body).toMatchObject({
    name: 'Mobile DE',
    filters: { device_type: ['mobile'], country: ['DE'] },
  });
  // Another agency: 404 on A's site, and A's segment is no filter on its own site.
  expect((await call(api.url, 'GET', `${base()}/segments/${id}`, { token: api.tok.adminB })).status).toBe(
    404,
  );
  const foreign = await call(api.url, 'GET', `/v1/sites/${api.f.siteB.id}/stats/overview?segment=${id}`, {
    token: api.tok.adminB,
  });
  expect([foreign.status, foreign.body.error]).toEqual([400, 'invalid_query']);
  // Over HTTP on a stats route and the CSV export.
  const r = 'from=2026-03-27&to=2026-03-31';
  const ov = await call(api.url, 'GET', `${base()}/stats/overview?${r}&segment=${id}`, {
    token: api.tok.viewer,
  });
  const hand = await call(api.url, 'GET', `${base()}/stats/overview?${r}&device_type=mobile&country=DE`, {
    token: api.tok.viewer,
  });
  expect(ov.body).toEqual(hand.body);
  const csv = await call(api.url, 'GET', `${base()}/export/events?${r}&segment=${id}`, {
    token: api.tok.viewer,
  });
  const csvHand = await call(api.url, 'GET', `${base()}/export/events?${r}&device_type=mobile&country=DE`, {
    token: api.tok.viewer,
  });
  expect(csv.status).toBe(200);
  expect(csv.body).toBe(csvHand.body);
  expect(String(csv.body).split('\r\n').length).toBeGreaterThan(2);
  expect((await call(api.url, 'DELETE', `${base()}/segments/${id}`, { token: api.tok.viewer })).status).toBe(
    403,
  );
  expect((await call(api.url, 'DELETE', `${base()}/segments/${id}`, { token: api.tok.user })).status).toBe(
    204,
  );
  const gone = await call(api.url, 'GET', `${base()}/stats/overview?${r}&segment=${id}`, {
    token: api.tok.viewer,
  });
  expect([gone.status, gone.body.error]).toEqual([400, 'invalid_query']);
  expect(events.length).toBeGreaterThan(1000);
});
