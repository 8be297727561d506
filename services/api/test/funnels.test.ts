import { randomUUID } from 'node:crypto';
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
import { call } from './helpers.js';
import { useSiteA } from './fixtures/use-api.js';

// Funnels (docs/conversions.md) against a plain-JS reference: session and visitor windows, repeated
// and out-of-order steps, visitors spanning sessions and days (the DST day inside the data), the
// breakdown by one dimension, segments, and the routes with their roles. Real PostgreSQL and HTTP.

const api = useSiteA({ timezone: TZ });
let events: Ev[];
let signupGoal: string;
const base = () => `/v1/sites/${api.f.siteA.id}`;

beforeAll(async () => {
  // Identities: some visitors log in from their second session on, and two devices (clients) of one
  // person share a user id: the visitor-level funnel follows the user across them.
  events = generate(api.f.siteA.scriptId, 3).map((e) => {
    const v = Number(/^v(\d+)-s(\d+)$/.exec(e.session_id ?? '')?.[1] ?? -1);
    const k = Number(/-s(\d+)$/.exec(e.session_id ?? '')?.[1] ?? 0);
    return v >= 0 && (v % 14 === 3 || v % 14 === 10) && k >= 1
      ? { ...e, user_id: `u${Math.floor(v / 14)}` }
      : e;
  });
  // By hand: one person on two devices. Device A reads the blog anonymously (an internal engagement
  // event follows), logs in later; device B signs up the same day as that user and buys two days
  // later, past the end of a range ending on the 29th but within a 2-day window of the blog visit.
  const hand = (over: Partial<Ev>): Ev => ({
    ...events[0]!,
    id: randomUUID(),
    visitor_type: 'human',
    properties: null,
    ecommerce_data: null,
    lead_data: null,
    user_id: null,
    ...over,
  });
  events.push(
    hand({
      client_id: 'hand-a',
      session_id: 'hand-a-s0',
      event_name: 'page_view',
      page_path: '/blog/x',
      server_timestamp: '2026-03-28T10:00:00.000Z',
    }),
    hand({
      client_id: 'hand-a',
      session_id: 'hand-a-s0',
      event_name: 'engagement',
      page_path: '/blog/x',
      server_timestamp: '2026-03-28T10:01:00.000Z',
    }),
    hand({
      client_id: 'hand-a',
      session_id: 'hand-a-s1',
      event_name: 'page_view',
      page_path: '/pricing',
      user_id: 'hand-user',
      server_timestamp: '2026-03-28T11:00:00.000Z',
    }),
    hand({
      client_id: 'hand-b',
      session_id: 'hand-b-s0',
      event_name: 'signup',
      properties: { plan: 'pro' },
      user_id: 'hand-user',
      server_timestamp: '2026-03-28T12:00:00.000Z',
    }),
    hand({
      client_id: 'hand-b',
      session_id: 'hand-b-s1',
      event_name: 'purchase',
      ecommerce_data: { transaction_id: 'H-1', value: 1 },
      user_id: 'hand-user',
      server_timestamp: '2026-03-30T09:00:00.000Z',
    }),
  );
  await insertEvents(api.pool, events);
  const g = await call(api.url, 'POST', `${base()}/goals`, {
    token: api.tok.user,
    body: { name: 'Signup', kind: 'event', event_name: 'signup' },
  });
  signupGoal = g.body.id;
}, 60_000);

/** The range end (ms): midnight Berlin (CEST, after the 29 March switch) after local day `to`. */
const hiOf = (to: string) => Date.parse(`${to}T00:00:00+02:00`) + 86_400_000;
/** The events a funnel reads: those of the range, and in visitor mode the window past its end. */
const read = (from: string, to: string, days: number | null, evs: readonly Ev[] = events) => {
  const hi = hiOf(to);
  const after =
    days === null
      ? []
      : evs.filter((e) => {
          const t = Date.parse(e.server_timestamp);
          return t >= hi && t < hi + days * 86_400_000 && e.visitor_type !== 'bot';
        });
  return { evs: [...inDays(evs, from, to), ...after], hi };
};

const page = (pattern: string) => (e: Ev) =>
  e.event_name === 'page_view' && e.page_path !== null && matchPattern(pattern, e.page_path);
const event = (name: string) => (e: Ev) => e.event_name === name;

/** Walk cases' events from [time, step mask] (and [time, mask, kind]) pairs. */
const at = (...evs: [number, number][]) => evs.map(([t, mask]) => ({ t, mask }));
const at3 = (...evs: [number, number, number][]) => evs.map(([t, mask, kind]) => ({ t, mask, kind }));

test('the walk (SQL function = reference): out of order, repeated steps, one event per step, windows', async () => {
  const H = 3_600_000;
  const cases: { evs: { t: number; mask: number }[]; win: number | null; n: number }[] = [
    { evs: at([0, 2], [1, 1], [2, 2]), win: null, n: 2 }, // B A B -> 2
    { evs: at([0, 2], [1, 1]), win: null, n: 2 }, // B A -> 1
    { evs: at([0, 3], [1, 3]), win: null, n: 2 }, // A=B repeated: two events -> 2
    { evs: at([0, 3]), win: null, n: 2 }, // one event cannot be two steps -> 1
    { evs: at([0, 1], [1, 1], [2, 4], [3, 2], [4, 4]), win: null, n: 3 },
    // A start too early for the window, a later one within it: the later one goes further.
    { evs: at([0, 1], [30 * H, 1], [40 * H, 2]), win: 24 * H, n: 2 },
    { evs: at([0, 1], [25 * H, 2]), win: 24 * H, n: 2 },
    { evs: [], win: null, n: 3 },
  ];
  for (const c of cases) {
    const { rows } = await api.pool.query<{ times: Date[] }>(
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

test('the direct walk (SQL function = reference): next event of the kind, starts before the end', async () => {
  // kind 1 page view, 2 another event; pageSteps bit k: step k+1 is a page step.
  const cases: {
    evs: { t: number; mask: number; kind: number }[];
    n: number;
    pageSteps: number;
    direct: boolean;
    before: number | null;
  }[] = [
    // A, X (a page that is no step), B: not directly followed; indirectly it is.
    { evs: at3([0, 1, 1], [1, 0, 1], [2, 2, 1]), n: 2, pageSteps: 3, direct: true, before: null },
    { evs: at3([0, 1, 1], [1, 0, 1], [2, 2, 1]), n: 2, pageSteps: 3, direct: false, before: null },
    // A, an event (not a page view: skipped), B: directly followed.
    { evs: at3([0, 1, 1], [1, 0, 2], [2, 2, 1]), n: 2, pageSteps: 3, direct: true, before: null },
    // Page A then event step: page views between are skipped, another event breaks it.
    { evs: at3([0, 1, 1], [1, 0, 1], [2, 2, 2]), n: 2, pageSteps: 1, direct: true, before: null },
    { evs: at3([0, 1, 1], [1, 0, 2], [2, 2, 2]), n: 2, pageSteps: 1, direct: true, before: null },
    // A broken start, a later one that works.
    { evs: at3([0, 1, 1], [1, 1, 1], [2, 2, 1]), n: 2, pageSteps: 3, direct: true, before: null },
    // Starts at or after the end do not count; later steps past it do.
    { evs: at3([0, 1, 1], [5, 2, 1]), n: 2, pageSteps: 3, direct: false, before: 3 },
    { evs: at3([3, 1, 1], [5, 2, 1]), n: 2, pageSteps: 3, direct: false, before: 3 },
  ];
  const got: number[][] = [];
  for (const c of cases) {
    const { rows } = await api.pool.query<{ times: Date[] }>(
      `SELECT beacon_funnel_walk($1::timestamptz[], $2::int[], $3::int[], NULL, $4, $5, $6, $7) AS times`,
      [
        c.evs.map((e) => new Date(e.t).toISOString()),
        c.evs.map((e) => e.mask),
        c.evs.map((e) => e.kind),
        c.n,
        c.pageSteps,
        c.direct,
        c.before === null ? null : new Date(c.before).toISOString(),
      ],
    );
    const ts = rows[0]!.times.map((d) => d.getTime());
    expect([c, ts]).toEqual([
      c,
      refWalk(c.evs, null, c.n, { direct: c.direct, pageSteps: c.pageSteps, startsBefore: c.before }),
    ]);
    got.push(ts);
  }
  expect(got.map((x) => x.length)).toEqual([1, 2, 2, 2, 1, 2, 2, 0]);
});

/** A funnel step as the API takes it, with the reference's test of an event and whether it is a page step. */
interface FunnelStep {
  api: Record<string, unknown>;
  ref: (e: Ev) => boolean;
  page: boolean;
}
const pageStep = (pattern: string): FunnelStep => ({
  api: { type: 'page', page_pattern: pattern },
  ref: page(pattern),
  page: true,
});
const eventStep = (name: string, property?: { key: string; value: string }): FunnelStep => ({
  api: { type: 'event', event_name: name, ...(property ? { property } : {}) },
  ref: property ? (e) => isConversion({ kind: 'event', event_name: name, property }, e) : event(name),
  page: false,
});
/** The signup goal (its id, unknown until it is made, stands as SIGNUP). */
const signupStep: FunnelStep = {
  api: { type: 'goal', goal_id: 'SIGNUP' },
  ref: event('signup'),
  page: false,
};

/** A funnel's API body and what the reference needs, from its steps and window. */
function funnel(name: string, steps: FunnelStep[], days: number | null, direct = false) {
  const window = days === null ? { mode: 'session' as const } : { mode: 'visitor' as const, days };
  return {
    name,
    body: { steps: steps.map((x) => x.api), window, ...(direct ? { direct } : {}) },
    ref: steps.map((x) => x.ref),
    mode: window.mode,
    days,
    ...(direct ? { direct, pageSteps: steps.map((x) => x.page) } : {}),
  };
}

const FUNNELS = [
  funnel(
    'session: home, pricing, signup goal, purchase',
    [pageStep('/'), pageStep('/pricing'), signupStep, eventStep('purchase')],
    null,
  ),
  funnel(
    'visitor 2 days: blog, pro signup, purchase',
    [pageStep('/blog/**'), eventStep('signup', { key: 'plan', value: 'pro' }), eventStep('purchase')],
    2,
  ),
  funnel(
    'visitor 7 days, a repeated step: home, home, pricing',
    [pageStep('/'), pageStep('/'), pageStep('/pricing')],
    7,
  ),
  funnel(
    'session, directly followed: any page, pricing, signup goal',
    [pageStep('/**'), pageStep('/pricing'), signupStep],
    null,
    true,
  ),
  funnel(
    'visitor 2 days, directly followed: blog, any page, purchase',
    [pageStep('/blog/**'), pageStep('/**'), eventStep('purchase')],
    2,
    true,
  ),
];

const RANGES = [
  { from: '2026-03-29', to: '2026-03-29' },
  { from: '2026-03-27', to: '2026-03-31' },
  { from: '2026-03-27', to: '2026-03-29' }, // the hand-made person's purchase lies past the end
];

describe.each(FUNNELS)('$name', (fx) => {
  let def: FunnelDef;
  beforeAll(async () => {
    const body = JSON.parse(JSON.stringify(fx.body).replace('SIGNUP', signupGoal));
    const r = await call(api.url, 'POST', `${base()}/funnels`, {
      token: api.tok.user,
      body: { name: fx.name, ...body },
    });
    expect(r.status).toBe(201);
    def = (await api.pool.query<FunnelDef>('SELECT * FROM funnels WHERE id = $1', [r.body.id])).rows[0]!;
  });

  test.each(RANGES)('= reference, with breakdowns, %o', async (range) => {
    for (const [dim, col] of [
      [undefined, null],
      ['channel', 'channel'],
      ['device', 'device_type'],
    ] as const) {
      const got = await funnelStats({ pool: api.pool }, api.site, def, {
        ...q.statsQuery.parse(range),
        breakdown: dim,
      });
      const r = read(range.from, range.to, fx.days);
      const ref = refFunnel(r.evs, fx.ref, fx.mode, fx.days, col, { ...fx, hi: r.hi });
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
      const r = read(range.from, range.to, fx.days);
      const ref = refFunnel(r.evs, fx.ref, fx.mode, fx.days, null, { ...fx, hi: r.hi });
      expect(ref.total[1]!.visitors).toBeGreaterThan(0);
    }
  });
});

test('the data exercises identities, the window past the end and the direct mode', () => {
  const steps = [page('/blog/**'), event('signup'), event('purchase')];
  const handOnly = (e: Ev) => e.client_id?.startsWith('hand-') === true;
  const hr = read('2026-03-27', '2026-03-29', 2, events.filter(handOnly));
  expect(refFunnel(hr.evs, steps, 'visitor', 2, null, { hi: hr.hi }).total.map((x) => x.visitors)).toEqual([
    1, 1, 1,
  ]);
  const visitors = (x: ReturnType<typeof refFunnel>) => x.total.map((st) => st.visitors);
  const r = read('2026-03-27', '2026-03-29', 2);
  const full = visitors(refFunnel(r.evs, steps, 'visitor', 2, null, { hi: r.hi }));
  // Cut at the end of the range: fewer reach the last steps.
  expect(
    visitors(refFunnel(inDays(events, '2026-03-27', '2026-03-29'), steps, 'visitor', 2, null)),
  ).not.toEqual(full);
  // By client_id only: users on two devices, or anonymous before logging in, are split.
  const anon = r.evs.map((e) => ({ ...e, user_id: null }));
  expect(visitors(refFunnel(anon, steps, 'visitor', 2, null, { hi: r.hi }))).not.toEqual(full);
  // Directly followed by: fewer.
  const d = [page('/**'), page('/pricing')];
  expect(
    visitors(
      refFunnel(r.evs, d, 'session', null, null, { hi: r.hi, direct: true, pageSteps: [true, true] }),
    )[1],
  ).toBeLessThan(visitors(refFunnel(r.evs, d, 'session', null, null, { hi: r.hi }))[1]!);
});

test('routes: save, read, compute over HTTP with a segment; roles, walls and bad input', async () => {
  const tok = api.tok;
  const body = {
    name: 'Blog to signup',
    steps: [
      { type: 'page', page_pattern: '/blog/*' },
      { type: 'goal', goal_id: signupGoal },
    ],
    window: { mode: 'visitor', days: 3 },
  };
  expect((await call(api.url, 'POST', `${base()}/funnels`, { token: tok.viewer, body })).status).toBe(403);
  const c = await call(api.url, 'POST', `${base()}/funnels`, { token: tok.admin, body });
  expect(c.status).toBe(201);
  expect(c.body).toMatchObject({
    name: 'Blog to signup',
    window: { mode: 'visitor', days: 3 },
    direct: false,
  });
  expect(c.body.steps).toEqual(body.steps);
  for (const bad of [
    { ...body, steps: [body.steps[0]] },
    { ...body, steps: Array(9).fill(body.steps[0]) },
    { ...body, window: { mode: 'visitor', days: 0 } },
    { ...body, window: { mode: 'visitor' } },
    { ...body, steps: [{ type: 'event', event_name: 'page_view' }, body.steps[0]] },
    { ...body, steps: [{ type: 'event', event_name: 'engagement' }, body.steps[0]] },
    { ...body, direct: 'yes' },
    { ...body, steps: [{ type: 'goal', goal_id: '00000000-0000-4000-8000-000000000000' }, body.steps[0]] },
    { ...body, steps: [{ type: 'page', page_pattern: 'x' }, body.steps[0]] },
  ]) {
    const r = await call(api.url, 'POST', `${base()}/funnels`, {
      token: tok.user,
      body: { ...bad, name: 'bad' },
    });
    expect([bad, r.status]).toEqual([bad, 400]);
  }
  expect((await call(api.url, 'POST', `${base()}/funnels`, { token: tok.user, body })).status).toBe(409);
  const id = c.body.id;
  const range = 'from=2026-03-27&to=2026-03-31';
  const st = await call(api.url, 'GET', `${base()}/funnels/${id}/stats?${range}&breakdown=country`, {
    token: tok.viewer,
  });
  expect(st.status).toBe(200);
  expect(st.body.steps).toHaveLength(2);
  expect(st.body.breakdown.dimension).toBe('country');
  const r = read('2026-03-27', '2026-03-31', 3);
  const ref = refFunnel(r.evs, [page('/blog/*'), event('signup')], 'visitor', 3, null, { hi: r.hi });
  expect(st.body.steps.map((s: { visitors: number }) => s.visitors)).toEqual(
    ref.total.map((s) => s.visitors),
  );
  // A segment applies: the same as its filter by hand, and as the reference on the filtered events.
  const sg = await call(api.url, 'POST', `${base()}/segments`, {
    token: tok.user,
    body: { name: 'DE', filters: { country: ['DE'] } },
  });
  const viaSeg = await call(api.url, 'GET', `${base()}/funnels/${id}/stats?${range}&segment=${sg.body.id}`, {
    token: tok.viewer,
  });
  const byHand = await call(api.url, 'GET', `${base()}/funnels/${id}/stats?${range}&country=DE`, {
    token: tok.viewer,
  });
  expect(viaSeg.body).toEqual(byHand.body);
  const rDE = read(
    '2026-03-27',
    '2026-03-31',
    3,
    events.filter((e) => e.country === 'DE'),
  );
  const refDE = refFunnel(rDE.evs, [page('/blog/*'), event('signup')], 'visitor', 3, null, { hi: rDE.hi });
  expect(byHand.body.steps.map((s: { visitors: number }) => s.visitors)).toEqual(
    refDE.total.map((s) => s.visitors),
  );
  expect(
    (
      await call(api.url, 'GET', `${base()}/funnels/${id}/stats?${range}&breakdown=planet`, {
        token: tok.viewer,
      })
    ).status,
  ).toBe(400);
  // Walls: another agency sees nothing of it.
  expect((await call(api.url, 'GET', `${base()}/funnels/${id}`, { token: tok.adminB })).status).toBe(404);
  expect(
    (
      await call(api.url, 'GET', `/v1/sites/${api.f.siteB.id}/funnels/${id}/stats?${range}`, {
        token: tok.adminB,
      })
    ).status,
  ).toBe(404);
  const list = await call(api.url, 'GET', `${base()}/funnels`, { token: tok.viewer });
  expect(list.body.items.map((x: { name: string }) => x.name)).toContain('Blog to signup');
  const upd = await call(api.url, 'PUT', `${base()}/funnels/${id}`, {
    token: tok.user,
    body: { ...body, window: { mode: 'session' } },
  });
  expect(upd.body.window).toEqual({ mode: 'session' });
  expect((await call(api.url, 'DELETE', `${base()}/funnels/${id}`, { token: tok.viewer })).status).toBe(403);
  expect((await call(api.url, 'DELETE', `${base()}/funnels/${id}`, { token: tok.user })).status).toBe(204);
  expect(
    (await call(api.url, 'GET', `${base()}/funnels/${id}/stats?${range}`, { token: tok.viewer })).status,
  ).toBe(404);
});
