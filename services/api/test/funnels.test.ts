import type { Pool } from 'pg';
import * as q from '../src/queries/index.js';
import { funnelStats, type FunnelDef } from '../src/queries/funnels.js';
import {
  generate,
  inDays,
  insertEvents,
  isConversion,
  matchPattern,
  refFunnel,
  refWalk,
  TZ,
  type Ev,
} from './fixtures/conversions-data.js';
import { call, login, seedTwoAgencies, startTestApi, type TestApi } from './helpers.js';

// Funnels (docs/conversions.md) against a plain-JS reference: session and visitor windows, repeated
// and out-of-order steps, visitors spanning sessions and days (the DST day inside the data), the
// breakdown by one dimension, segments, and the routes with their roles. Real PostgreSQL and HTTP.

let t: TestApi;
let pool: Pool;
let f: Awaited<ReturnType<typeof seedTwoAgencies>>;
let tok: Record<'admin' | 'user' | 'viewer' | 'adminB', string>;
let site: q.StatsSite;
let events: Ev[];
let signupGoal: string;
const base = () => `/v1/sites/${f.siteA.id}`;

beforeAll(async () => {
  t = await startTestApi();
  pool = t.db.pool;
  f = await seedTwoAgencies(pool);
  await pool.query(`UPDATE sites SET config = $2 WHERE id = $1`, [
    f.siteA.id,
    JSON.stringify({ timezone: TZ }),
  ]);
  site = { scriptId: f.siteA.scriptId, config: { timezone: TZ } };
  events = generate(f.siteA.scriptId, 3);
  await insertEvents(pool, events);
  tok = {
    admin: await login(t.url, f.admin.email, f.admin.password),
    user: await login(t.url, f.user.email, f.user.password),
    viewer: await login(t.url, f.viewer.email, f.viewer.password),
    adminB: await login(t.url, f.adminB.email, f.adminB.password),
  };
  const g = await call(t.url, 'POST', `${base()}/goals`, {
    token: tok.user,
    body: { name: 'Signup', kind: 'event', event_name: 'signup' },
  });
  signupGoal = g.body.id;
}, 60_000);

afterAll(async () => {
  await t?.close();
});

const page = (pattern: string) => (e: Ev) =>
  e.event_name === 'page_view' && e.page_path !== null && matchPattern(pattern, e.page_path);
const event = (name: string) => (e: Ev) => e.event_name === name;

test('the walk (SQL function = reference): out of order, repeated steps, one event per step, windows', async () => {
  const H = 3_600_000;
  const cases: { evs: { t: number; mask: number }[]; win: number | null; n: number }[] = [
    {
      evs: [
        { t: 0, mask: 2 },
        { t: 1, mask: 1 },
        { t: 2, mask: 2 },
      ],
      win: null,
      n: 2,
    }, // B A B -> 2
    {
      evs: [
        { t: 0, mask: 2 },
        { t: 1, mask: 1 },
      ],
      win: null,
      n: 2,
    }, // B A -> 1
    {
      evs: [
        { t: 0, mask: 3 },
        { t: 1, mask: 3 },
      ],
      win: null,
      n: 2,
    }, // A=B repeated: two events -> 2
    { evs: [{ t: 0, mask: 3 }], win: null, n: 2 }, // one event cannot be two steps -> 1
    {
      evs: [
        { t: 0, mask: 1 },
        { t: 1, mask: 1 },
        { t: 2, mask: 4 },
        { t: 3, mask: 2 },
        { t: 4, mask: 4 },
      ],
      win: null,
      n: 3,
    },
    // A start too early for the window, a later one within it: the later one goes further.
    {
      evs: [
        { t: 0, mask: 1 },
        { t: 30 * H, mask: 1 },
        { t: 40 * H, mask: 2 },
      ],
      win: 24 * H,
      n: 2,
    },
    {
      evs: [
        { t: 0, mask: 1 },
        { t: 25 * H, mask: 2 },
      ],
      win: 24 * H,
      n: 2,
    },
    { evs: [], win: null, n: 3 },
  ];
  for (const c of cases) {
    const { rows } = await pool.query<{ times: Date[] }>(
      `SELECT beacon_funnel($1::timestamptz[], $2::int[], $3::interval, $4) AS times`,
      [
        c.evs.map((e) => new Date(e.t).toISOString()),
        c.evs.map((e) => e.mask),
        c.win === null ? null : `${c.win / 1000} seconds`,
        c.n,
      ],
    );
    expect([c, rows[0]!.times.map((d) => d.getTime())]).toEqual([c, refWalk(c.evs, c.win, c.n)]);
  }
  expect(refWalk(cases[0]!.evs, null, 2)).toHaveLength(2);
  expect(refWalk(cases[1]!.evs, null, 2)).toHaveLength(1);
  expect(refWalk(cases[3]!.evs, null, 2)).toHaveLength(1);
  expect(refWalk(cases[5]!.evs, 24 * H, 2)).toEqual([30 * H, 40 * H]);
});

const FUNNELS: {
  name: string;
  body: Record<string, unknown>;
  ref: ((e: Ev) => boolean)[];
  mode: 'session' | 'visitor';
  days: number | null;
}[] = [
  {
    name: 'session: home, pricing, signup goal, purchase',
    body: {
      steps: [
        { type: 'page', page_pattern: '/' },
        { type: 'page', page_pattern: '/pricing' },
        { type: 'goal', goal_id: 'SIGNUP' },
        { type: 'event', event_name: 'purchase' },
      ],
      window: { mode: 'session' },
    },
    ref: [page('/'), page('/pricing'), event('signup'), event('purchase')],
    mode: 'session',
    days: null,
  },
  {
    name: 'visitor 2 days: blog, pro signup, purchase',
    body: {
      steps: [
        { type: 'page', page_pattern: '/blog/**' },
        { type: 'event', event_name: 'signup', property: { key: 'plan', value: 'pro' } },
        { type: 'event', event_name: 'purchase' },
      ],
      window: { mode: 'visitor', days: 2 },
    },
    ref: [
      page('/blog/**'),
      (e) =>
        isConversion({ kind: 'event', event_name: 'signup', property: { key: 'plan', value: 'pro' } }, e),
      event('purchase'),
    ],
    mode: 'visitor',
    days: 2,
  },
  {
    name: 'visitor 7 days, a repeated step: home, home, pricing',
    body: {
      steps: [
        { type: 'page', page_pattern: '/' },
        { type: 'page', page_pattern: '/' },
        { type: 'page', page_pattern: '/pricing' },
      ],
      window: { mode: 'visitor', days: 7 },
    },
    ref: [page('/'), page('/'), page('/pricing')],
    mode: 'visitor',
    days: 7,
  },
];

const RANGES = [
  { from: '2026-03-29', to: '2026-03-29' },
  { from: '2026-03-27', to: '2026-03-31' },
];

describe.each(FUNNELS)('$name', (fx) => {
  let def: FunnelDef;
  beforeAll(async () => {
    const body = JSON.parse(JSON.stringify(fx.body).replace('SIGNUP', signupGoal));
    const r = await call(t.url, 'POST', `${base()}/funnels`, {
      token: tok.user,
      body: { name: fx.name, ...body },
    });
    expect(r.status).toBe(201);
    def = (await pool.query<FunnelDef>('SELECT * FROM funnels WHERE id = $1', [r.body.id])).rows[0]!;
  });

  test.each(RANGES)('= reference, with breakdowns, %o', async (range) => {
    for (const [dim, col] of [
      [undefined, null],
      ['channel', 'channel'],
      ['device', 'device_type'],
    ] as const) {
      const got = await funnelStats({ pool }, site, def, { ...q.statsQuery.parse(range), breakdown: dim });
      const ref = refFunnel(inDays(events, range.from, range.to), fx.ref, fx.mode, fx.days, col);
      const shape = (
        steps: { step: number; visitors: number; median_seconds_from_previous: number | null }[],
      ) => steps.map((s) => ({ step: s.step, visitors: s.visitors, median: s.median_seconds_from_previous }));
      expect(shape(got.steps)).toEqual(ref.total);
      if (dim) {
        expect(got.breakdown!.items.map((i) => i.value).sort()).toEqual([...ref.by.keys()].sort());
        for (const item of got.breakdown!.items)
          expect([item.value, shape(item.steps)]).toEqual([item.value, ref.by.get(item.value)]);
      }
      // Derived figures.
      const s = got.steps;
      for (let k = 1; k < s.length; k++) {
        expect(s[k]!.drop_off).toBe(s[k - 1]!.visitors - s[k]!.visitors);
        expect(s[k]!.conversion_from_previous).toBe(
          s[k - 1]!.visitors ? s[k]!.visitors / s[k - 1]!.visitors : null,
        );
        expect(s[k]!.conversion_from_first).toBe(s[0]!.visitors ? s[k]!.visitors / s[0]!.visitors : null);
      }
    }
    if (range.from !== range.to) {
      const ref = refFunnel(inDays(events, range.from, range.to), fx.ref, fx.mode, fx.days, null);
      expect(ref.total[1]!.visitors).toBeGreaterThan(0);
    }
  });
});

test('routes: save, read, compute over HTTP with a segment; roles, walls and bad input', async () => {
  const body = {
    name: 'Blog to signup',
    steps: [
      { type: 'page', page_pattern: '/blog/*' },
      { type: 'goal', goal_id: signupGoal },
    ],
    window: { mode: 'visitor', days: 3 },
  };
  expect((await call(t.url, 'POST', `${base()}/funnels`, { token: tok.viewer, body })).status).toBe(403);
  const c = await call(t.url, 'POST', `${base()}/funnels`, { token: tok.admin, body });
  expect(c.status).toBe(201);
  expect(c.body).toMatchObject({ name: 'Blog to signup', window: { mode: 'visitor', days: 3 } });
  expect(c.body.steps).toEqual(body.steps);
  for (const bad of [
    { ...body, steps: [body.steps[0]] },
    { ...body, steps: Array(9).fill(body.steps[0]) },
    { ...body, window: { mode: 'visitor', days: 0 } },
    { ...body, window: { mode: 'visitor' } },
    { ...body, steps: [{ type: 'event', event_name: 'page_view' }, body.steps[0]] },
    { ...body, steps: [{ type: 'goal', goal_id: '00000000-0000-4000-8000-000000000000' }, body.steps[0]] },
    { ...body, steps: [{ type: 'page', page_pattern: 'x' }, body.steps[0]] },
  ]) {
    const r = await call(t.url, 'POST', `${base()}/funnels`, {
      token: tok.user,
      body: { ...bad, name: 'bad' },
    });
    expect([bad, r.status]).toEqual([bad, 400]);
  }
  expect((await call(t.url, 'POST', `${base()}/funnels`, { token: tok.user, body })).status).toBe(409);
  const id = c.body.id;
  const range = 'from=2026-03-27&to=2026-03-31';
  const st = await call(t.url, 'GET', `${base()}/funnels/${id}/stats?${range}&breakdown=country`, {
    token: tok.viewer,
  });
  expect(st.status).toBe(200);
  expect(st.body.steps).toHaveLength(2);
  expect(st.body.breakdown.dimension).toBe('country');
  const ref = refFunnel(
    inDays(events, '2026-03-27', '2026-03-31'),
    [page('/blog/*'), event('signup')],
    'visitor',
    3,
    null,
  );
  expect(st.body.steps.map((s: { visitors: number }) => s.visitors)).toEqual(
    ref.total.map((s) => s.visitors),
  );
  // A segment applies: the same as its filter by hand, and as the reference on the filtered events.
  const sg = await call(t.url, 'POST', `${base()}/segments`, {
    token: tok.user,
    body: { name: 'DE', filters: { country: ['DE'] } },
  });
  const viaSeg = await call(t.url, 'GET', `${base()}/funnels/${id}/stats?${range}&segment=${sg.body.id}`, {
    token: tok.viewer,
  });
  const byHand = await call(t.url, 'GET', `${base()}/funnels/${id}/stats?${range}&country=DE`, {
    token: tok.viewer,
  });
  expect(viaSeg.body).toEqual(byHand.body);
  const refDE = refFunnel(
    inDays(events, '2026-03-27', '2026-03-31').filter((e) => e.country === 'DE'),
    [page('/blog/*'), event('signup')],
    'visitor',
    3,
    null,
  );
  expect(byHand.body.steps.map((s: { visitors: number }) => s.visitors)).toEqual(
    refDE.total.map((s) => s.visitors),
  );
  expect(
    (
      await call(t.url, 'GET', `${base()}/funnels/${id}/stats?${range}&breakdown=planet`, {
        token: tok.viewer,
      })
    ).status,
  ).toBe(400);
  // Walls: another agency sees nothing of it.
  expect((await call(t.url, 'GET', `${base()}/funnels/${id}`, { token: tok.adminB })).status).toBe(404);
  expect(
    (await call(t.url, 'GET', `/v1/sites/${f.siteB.id}/funnels/${id}/stats?${range}`, { token: tok.adminB }))
      .status,
  ).toBe(404);
  const list = await call(t.url, 'GET', `${base()}/funnels`, { token: tok.viewer });
  expect(list.body.items.map((x: { name: string }) => x.name)).toContain('Blog to signup');
  const upd = await call(t.url, 'PUT', `${base()}/funnels/${id}`, {
    token: tok.user,
    body: { ...body, window: { mode: 'session' } },
  });
  expect(upd.body.window).toEqual({ mode: 'session' });
  expect((await call(t.url, 'DELETE', `${base()}/funnels/${id}`, { token: tok.viewer })).status).toBe(403);
  expect((await call(t.url, 'DELETE', `${base()}/funnels/${id}`, { token: tok.user })).status).toBe(204);
  expect(
    (await call(t.url, 'GET', `${base()}/funnels/${id}/stats?${range}`, { token: tok.viewer })).status,
  ).toBe(404);
});
