import { randomUUID } from 'node:crypto';
import { rebuildRollups } from '@beacon/db';
import * as q from '../src/queries/index.js';
import { goalStats } from '../src/queries/conversions.js';
import { pagePatternRegex, type GoalDef } from '../src/queries/goals.js';
import {
  converterIds,
  generate,
  inDays,
  insertEvents,
  matchPattern,
  refConversionBreakdown,
  refGoalStats,
  TZ,
  type Ev,
  type RefGoal,
} from './fixtures/conversions-data.js';
import { call, rolledAndRaw } from './helpers.js';
import { useSiteA } from './fixtures/use-api.js';

// Goals (docs/conversions.md): numbers checked against a plain-JS reference on a hand-made data set,
// the same answers from rollups and from raw events, goal filters on the other views, and the routes
// with their roles. Real PostgreSQL and HTTP.

const api = useSiteA({ timezone: TZ });
let events: Ev[];
const goals: Record<string, { ref: RefGoal; def: GoalDef }> = {};

const GOALS: Record<string, RefGoal & { name: string }> = {
  blog: { name: 'Blog post', kind: 'page', page_pattern: '/blog/*' },
  docs: { name: 'Docs', kind: 'page', page_pattern: '/docs/**' },
  dot: { name: 'Literal dot', kind: 'page', page_pattern: '/blog.a' },
  thanks: { name: 'Thanks', kind: 'page', page_pattern: '/thanks', value: { mode: 'fixed', amount: 12.5 } },
  signup: { name: 'Signup', kind: 'event', event_name: 'signup' },
  pro: { name: 'Pro signup', kind: 'event', event_name: 'signup', property: { key: 'plan', value: 'pro' } },
  signupValue: {
    name: 'Signup value',
    kind: 'event',
    event_name: 'signup',
    value: { mode: 'event', key: 'value' },
  },
  purchase: { name: 'Purchase', kind: 'purchase', value: { mode: 'event', key: 'value' } },
  contact: { name: 'Contact form', kind: 'form_submit', property: { key: 'form_id', value: 'contact' } },
  forms: { name: 'Any form', kind: 'form_submit', value: { mode: 'fixed', amount: 3 } },
  outbound: { name: 'Outbound', kind: 'outbound_link' },
  lead: { name: 'Lead', kind: 'lead', value: { mode: 'event', key: 'value' } },
  download: { name: 'Download', kind: 'file_download' },
};

const RANGES = [
  { from: '2026-03-29', to: '2026-03-29' }, // DST day
  { from: '2026-03-27', to: '2026-03-31' },
  { from: '2026-03-28', to: '2026-03-30' },
];

beforeAll(async () => {
  events = generate(api.f.siteA.scriptId);
  // The tracker's internal events: an engagement a second after some page views. They are neither
  // events nor conversions anywhere (docs/metrics.md), so no reference figure changes.
  events.push(
    ...events
      .filter((e, i) => e.event_name === 'page_view' && i % 4 === 0)
      .map((e) => ({
        ...e,
        id: randomUUID(),
        event_name: 'engagement',
        server_timestamp: new Date(Date.parse(e.server_timestamp) + 1000).toISOString(),
      })),
  );
  await insertEvents(api.pool, events);
  await rebuildRollups(api.pool, { siteId: api.f.siteA.scriptId, chunkHours: 24 * 31 });
  for (const [key, g] of Object.entries(GOALS)) {
    const res = await call(api.url, 'POST', `/v1/sites/${api.f.siteA.id}/goals`, {
      token: api.tok.user,
      body: g,
    });
    expect([key, res.status]).toEqual([key, 201]);
    const { rows } = await api.pool.query<GoalDef>('SELECT * FROM goals WHERE id = $1', [res.body.id]);
    goals[key] = { ref: g, def: rows[0]! };
  }
}, 60_000);

const both = <T>(fn: (deps: q.StatsDeps) => Promise<T>) => rolledAndRaw(api.pool, fn);

test('page patterns: * is one path segment, ** any depth, the rest literal (regex = reference)', () => {
  const cases: [string, string, boolean][] = [
    ['/blog/*', '/blog/a', true],
    ['/blog/*', '/blog/', true],
    ['/blog/*', '/blog/a/b', false],
    ['/blog/**', '/blog/a/b', true],
    ['/docs/**', '/docs', false],
    ['/blog.a', '/blogXa', false],
    ['/blog.a', '/blog.a', true],
    ['/a/*/c', '/a/b/c', true],
    ['/a/*/c', '/a/b/x/c', false],
    ['/(x)+[y]', '/(x)+[y]', true],
    ['/**/end', '/a/b/end', true],
  ];
  for (const [pattern, path, want] of cases) {
    expect([pattern, path, matchPattern(pattern, path)]).toEqual([pattern, path, want]);
    expect([pattern, path, new RegExp(pagePatternRegex(pattern)).test(path)]).toEqual([pattern, path, want]);
  }
});

describe('goal figures = the plain-JS reference, from rollups and from events alike', () => {
  test.each(RANGES)('%o', async (range) => {
    const defs = Object.values(goals).map((g) => g.def);
    const r = await both((d) => goalStats(d, api.site, q.statsQuery.parse(range), defs));
    // Goals with a property condition or an event value need events: the whole answer comes from events.
    expect(r.sources).toEqual(['events']);
    expect(r.rolled).toEqual(r.raw);
    const evs = inDays(events, range.from, range.to);
    for (const [key, g] of Object.entries(goals)) {
      const ref = refGoalStats(evs, g.ref);
      const got = r.raw.items.find((i) => i.goal_id === g.def.id)!;
      expect({ key, ...got, value: got.value === null ? null : Math.round(got.value * 1e6) / 1e6 }).toEqual({
        key,
        goal_id: g.def.id,
        name: g.def.name,
        kind: g.def.kind,
        conversions: ref.conversions,
        converters: ref.converters,
        conversion_rate: ref.conversion_rate,
        value: ref.value,
      });
      expect(r.raw.visitors).toBe(ref.visitors);
    }
    // The rollup-answerable goals alone: answered from rollups, same numbers.
    const light = ['blog', 'docs', 'dot', 'thanks', 'signup', 'forms', 'outbound', 'download'].map(
      (k) => goals[k]!.def,
    );
    const l = await both((d) => goalStats(d, api.site, q.statsQuery.parse(range), light));
    expect(l.sources).toEqual(['rollup']);
    expect(l.rolled).toEqual(l.raw);
    expect(l.raw.items).toEqual(r.raw.items.filter((i) => light.some((g) => g.id === i.goal_id)));
  });

  test('a goal stored on an internal event (refused today) converts nobody, from rollups and events alike', async () => {
    const { rows } = await api.pool.query<GoalDef>(
      `INSERT INTO goals (site_id, name, kind, event_name) VALUES ($1, 'internal', 'event', 'engagement') RETURNING *`,
      [api.site.scriptId],
    );
    expect(events.some((e) => e.event_name === 'engagement')).toBe(true);
    const r = await both((d) => goalStats(d, api.site, q.statsQuery.parse(RANGES[1]!), rows));
    expect(r.sources).toEqual(['rollup']);
    expect(r.raw).toEqual(r.rolled);
    expect(r.raw.items[0]).toMatchObject({ conversions: 0, converters: 0 });
    await api.pool.query('DELETE FROM goals WHERE id = $1', [rows[0]!.id]);
  });

  test('a reference sanity check: the data set has conversions of every goal', () => {
    const evs = inDays(events, '2026-03-27', '2026-03-31');
    for (const [key, g] of Object.entries(goals))
      expect([key, refGoalStats(evs, g.ref).conversions > 0]).toEqual([key, true]);
  });

  test('with a session-level filter: events, same numbers as the reference on the filtered events', async () => {
    const range = { from: '2026-03-27', to: '2026-03-31', country: 'DE' };
    const defs = [goals.blog!.def, goals.signup!.def];
    const r = await both((d) => goalStats(d, api.site, q.statsQuery.parse(range), defs));
    expect(r.sources).toEqual(['events']);
    const evs = inDays(events, range.from, range.to).filter((e) => e.country === 'DE');
    expect(r.raw.items[0]!.converters).toBe(refGoalStats(evs, goals.blog!.ref).converters);
    expect(r.raw.items[1]!.conversions).toBe(refGoalStats(evs, goals.signup!.ref).conversions);
  });
});

describe('a goal is a filter on every view: visitors who converted', () => {
  const range = { from: '2026-03-27', to: '2026-03-31' };
  test.each(['blog', 'signup', 'pro'])('goal %s', async (key) => {
    const g = goals[key]!;
    const params = { ...range, goal: g.def.id };
    const expectRollup = key !== 'pro';
    const checks: [string, (d: q.StatsDeps) => Promise<unknown>][] = [
      ['overview', (d) => q.overview(d, api.site, q.statsQuery.parse(params))],
      [
        'timeseries',
        (d) => q.timeseries(d, api.site, q.timeseriesQuery.parse({ ...params, interval: 'day' })),
      ],
      ['companies', (d) => q.companies(d, api.site, q.companiesQuery.parse(params))],
      ...(['pages', 'entry_pages', 'channels', 'countries', 'events'] as const).map(
        (dim): [string, (d: q.StatsDeps) => Promise<unknown>] => [
          dim,
          (d) => q.breakdown(d, api.site, dim, q.breakdownQuery.parse(params)),
        ],
      ),
      [
        'overview + country',
        (d) => q.overview(d, api.site, q.statsQuery.parse({ ...params, country: ['DE', '(none)'] })),
      ],
    ];
    for (const [name, fn] of checks) {
      const t0 = Date.now();
      const r = await both(fn);
      if (process.env.GOAL_TIMING) console.log(key, name, Date.now() - t0);
      expect([name, r.sources]).toEqual([name, [expectRollup ? 'rollup' : 'events']]);
      expect([name, r.rolled]).toEqual([name, r.raw]);
    }
    // The overview counts exactly the converters (reference), and its previous period has its own.
    const o = await q.overview({ pool: api.pool, rollups: false }, api.site, q.statsQuery.parse(params));
    const evs = inDays(events, range.from, range.to);
    const ids = converterIds(evs, g.ref);
    expect(o.current.visitors).toBe(ids.size);
    // Events: internal ones (engagement) are not counted (docs/metrics.md).
    expect(o.current.events).toBe(
      evs.filter((e) => e.client_id !== null && ids.has(e.client_id) && e.event_name !== 'engagement').length,
    );
    // Realtime takes the filter too (nothing in the last 30 minutes here).
    const rt = await q.realtime({ pool: api.pool }, api.site, q.realtimeQuery.parse({ goal: g.def.id }));
    expect(rt.visitors_30m).toBe(0);
  });

  test('two goals: visitors who converted on both', async () => {
    const params = { ...range, goal: [goals.blog!.def.id, goals.signup!.def.id] };
    const r = await both((d) => q.overview(d, api.site, q.statsQuery.parse(params)));
    expect(r.rolled).toEqual(r.raw);
    const evs = inDays(events, range.from, range.to);
    const a = converterIds(evs, goals.blog!.ref);
    const both2 = [...converterIds(evs, goals.signup!.ref)].filter((c) => a.has(c));
    expect(r.raw.current.visitors).toBe(both2.length);
  });
});

describe('breakdowns with conversion_goal: converters and conversion rate per row', () => {
  test.each([
    ['channels', 'channel', 'signup'],
    ['countries', 'country', 'blog'],
    ['pages', 'page_path', 'thanks'],
    ['devices', 'device_type', 'pro'],
    ['utm_campaigns', 'utm_campaign', 'docs'],
  ] as const)('%s by %s, goal %s', async (dim, column, key) => {
    const range = { from: '2026-03-27', to: '2026-03-31' };
    const g = goals[key]!;
    const query = q.breakdownQuery.parse({ ...range, conversion_goal: g.def.id, limit: '100' });
    const r = await both((d) => q.breakdown(d, api.site, dim, query));
    expect(r.sources).toEqual([key === 'pro' ? 'events' : 'rollup']);
    expect(r.rolled).toEqual(r.raw);
    let evs = inDays(events, range.from, range.to);
    if (dim === 'pages') evs = evs.filter((e) => e.event_name === 'page_view');
    const ref = refConversionBreakdown(evs, g.ref, column);
    const allConv = refConversionBreakdown(inDays(events, range.from, range.to), g.ref, 'site_id');
    expect(r.raw.items.length).toBe(ref.size);
    for (const row of r.raw.items as {
      value: string | null;
      visitors: number;
      converters: number;
      conversion_rate: number | null;
    }[]) {
      const want = ref.get(row.value)!;
      expect({ value: row.value, visitors: row.visitors, converters: row.converters }).toEqual({
        value: row.value,
        ...want,
      });
      expect(row.conversion_rate).toBe(want.visitors ? want.converters / want.visitors : null);
    }
    expect([...allConv.values()][0]!.converters).toBeGreaterThan(0);
    // Entry pages too (per session), from both sources.
    const entry = await both((d) => q.breakdown(d, api.site, 'entry_pages', query));
    expect(entry.rolled).toEqual(entry.raw);
  });
});

describe('conversion_goal on a session-level column from rollups: side by side = raw events', () => {
  // The breakdown and the converters per value (convertersByColumnRollup) are two statements joined
  // by value in the API; each variant of the request must give the raw-events answer, row for row.
  const range = { from: '2026-03-27', to: '2026-03-31' };
  test.each([
    ['channels', 'signup', {}],
    ['channels', 'blog', { sort: 'sessions', order: 'asc' }],
    ['countries', 'forms', { device_type: 'desktop' }],
    ['devices', 'docs', { country: ['DE', '(none)'] }],
    ['utm_campaigns', 'thanks', { goal: 'signup' }],
    ['referrers', 'outbound', { sort: 'page_views' }],
    ['browsers', 'blog', { limit: '1' }],
  ] as const)('%s, goal %s, %o', async (dim, key, extra) => {
    const { goal, ...rest } = extra as { goal?: string };
    const params = {
      ...range,
      limit: '100',
      ...rest,
      ...(goal ? { goal: goals[goal]!.def.id } : {}),
      conversion_goal: goals[key]!.def.id,
    };
    const r = await both((d) => q.breakdown(d, api.site, dim, q.breakdownQuery.parse(params)));
    expect(r.sources).toEqual(['rollup']);
    expect(r.rolled).toEqual(r.raw);
    expect(r.raw.items.length).toBeGreaterThan(0);
    const rows = r.raw.items as { converters: number }[];
    expect(rows.some((row) => row.converters > 0)).toBe(true);
  });

  test('paging: the next page from rollups is the raw next page', async () => {
    const params = { ...range, limit: '1', conversion_goal: goals.signup!.def.id };
    const first = await both((d) => q.breakdown(d, api.site, 'channels', q.breakdownQuery.parse(params)));
    expect(first.rolled).toEqual(first.raw);
    const cursor = (first.raw as { next_cursor: string | null }).next_cursor;
    expect(cursor).not.toBeNull();
    const next = await both((d) =>
      q.breakdown(d, api.site, 'channels', q.breakdownQuery.parse({ ...params, cursor: cursor! })),
    );
    expect(next.rolled).toEqual(next.raw);
    expect(next.raw.items).not.toEqual(first.raw.items);
  });
});

describe('routes', () => {
  const base = () => `/v1/sites/${api.f.siteA.id}`;
  test('CRUD by admins and users, viewers read only, bad input is a 400, names are unique', async () => {
    const tok = api.tok;
    const body = { name: 'Pricing', kind: 'page', page_pattern: '/pricing' };
    expect((await call(api.url, 'POST', `${base()}/goals`, { token: tok.viewer, body })).status).toBe(403);
    const created = await call(api.url, 'POST', `${base()}/goals`, { token: tok.admin, body });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      name: 'Pricing',
      kind: 'page',
      page_pattern: '/pricing',
      value: null,
    });
    const dup = await call(api.url, 'POST', `${base()}/goals`, {
      token: tok.user,
      body: { ...body, name: 'pricing' },
    });
    expect(dup.status).toBe(409);
    for (const bad of [
      { name: 'x', kind: 'page' },
      { name: 'x', kind: 'page', page_pattern: 'no-slash' },
      { name: 'x', kind: 'event' },
      { name: 'x', kind: 'event', event_name: 'page_view' },
      { name: 'x', kind: 'event', event_name: 'engagement' },
      { name: 'x', kind: 'event', event_name: 'identify' },
      { name: 'x', kind: 'purchase', event_name: 'other' },
      { name: 'x', kind: 'page', page_pattern: '/a', value: { mode: 'event', key: 'v' } },
      { name: 'x', kind: 'signup' },
      { name: 'x', kind: 'event', event_name: 'e', extra: 1 },
      { name: '', kind: 'lead' },
    ]) {
      const res = await call(api.url, 'POST', `${base()}/goals`, { token: tok.user, body: bad });
      expect([bad, res.status, res.body.error]).toEqual([bad, 400, 'invalid_request']);
    }
    const id = created.body.id;
    const read = await call(api.url, 'GET', `${base()}/goals/${id}`, { token: tok.viewer });
    expect(read.status).toBe(200);
    const list = await call(api.url, 'GET', `${base()}/goals`, { token: tok.viewer });
    expect(list.body.items.map((g: { name: string }) => g.name)).toContain('Pricing');
    expect((await call(api.url, 'PUT', `${base()}/goals/${id}`, { token: tok.viewer, body })).status).toBe(
      403,
    );
    const upd = await call(api.url, 'PUT', `${base()}/goals/${id}`, {
      token: tok.user,
      body: { name: 'Pricing+', kind: 'event', event_name: 'signup', value: { mode: 'fixed', amount: 2 } },
    });
    expect(upd.status).toBe(200);
    expect(upd.body).toMatchObject({
      kind: 'event',
      event_name: 'signup',
      page_pattern: null,
      value: { mode: 'fixed', amount: 2 },
    });
    // Agency B cannot see or change A's goal, even naming it on its own site.
    const own = `/v1/sites/${api.f.siteB.id}/goals/${id}`;
    expect((await call(api.url, 'GET', own, { token: tok.adminB })).status).toBe(404);
    expect((await call(api.url, 'DELETE', own, { token: tok.adminB })).status).toBe(404);
    expect((await call(api.url, 'GET', `${base()}/goals/${id}`, { token: tok.adminB })).status).toBe(404);
    // A goal of another site is not a filter here either.
    const other = await call(api.url, 'GET', `/v1/sites/${api.f.siteB.id}/stats/overview?goal=${id}`, {
      token: tok.adminB,
    });
    expect([other.status, other.body.error]).toEqual([400, 'invalid_query']);
    expect((await call(api.url, 'DELETE', `${base()}/goals/${id}`, { token: tok.viewer })).status).toBe(403);
    expect((await call(api.url, 'DELETE', `${base()}/goals/${id}`, { token: tok.user })).status).toBe(204);
    expect((await call(api.url, 'GET', `${base()}/goals/${id}`, { token: tok.admin })).status).toBe(404);
    expect((await call(api.url, 'GET', `${base()}/goals/not-a-uuid`, { token: tok.admin })).status).toBe(400);
  });

  test('stats/goals over HTTP, goal filters on the stats routes and the CSV export', async () => {
    const range = 'from=2026-03-27&to=2026-03-31';
    const s = await call(api.url, 'GET', `${base()}/stats/goals?${range}&goal_id=${goals.blog!.def.id}`, {
      token: api.tok.viewer,
    });
    expect(s.status).toBe(200);
    expect(s.headers.get('x-beacon-source')).toBe('rollup');
    const evs = inDays(events, '2026-03-27', '2026-03-31');
    expect(s.body.items).toHaveLength(1);
    expect(s.body.items[0].converters).toBe(refGoalStats(evs, goals.blog!.ref).converters);
    const all = await call(api.url, 'GET', `${base()}/stats/goals?${range}`, { token: api.tok.viewer });
    expect(all.body.items).toHaveLength(Object.keys(GOALS).length);
    const ov = await call(api.url, 'GET', `${base()}/stats/overview?${range}&goal=${goals.signup!.def.id}`, {
      token: api.tok.viewer,
    });
    expect(ov.status).toBe(200);
    expect(ov.body.current.visitors).toBe(converterIds(evs, goals.signup!.ref).size);
    const bd = await call(
      api.url,
      'GET',
      `${base()}/stats/breakdown/channels?${range}&conversion_goal=${goals.signup!.def.id}`,
      { token: api.tok.viewer },
    );
    expect(bd.status).toBe(200);
    expect(bd.body.items[0]).toHaveProperty('conversion_rate');
    const csv = await call(api.url, 'GET', `${base()}/export/events?${range}&goal=${goals.pro!.def.id}`, {
      token: api.tok.viewer,
    });
    expect(csv.status).toBe(200);
    const ids = converterIds(evs, goals.pro!.ref);
    const lines = String(csv.body).trim().split('\r\n');
    expect(lines.length - 1).toBe(evs.filter((e) => e.client_id !== null && ids.has(e.client_id)).length);
    const unknown = await call(
      api.url,
      'GET',
      `${base()}/export/events?${range}&goal=00000000-0000-4000-8000-000000000000`,
      { token: api.tok.viewer },
    );
    expect([unknown.status, unknown.body.error]).toEqual([400, 'invalid_query']);
    const badGoal = await call(api.url, 'GET', `${base()}/stats/overview?${range}&goal=nope`, {
      token: api.tok.viewer,
    });
    expect(badGoal.status).toBe(400);
  });
});
