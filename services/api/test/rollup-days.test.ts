import type { Pool } from 'pg';
import { compactHours, freezeDays, rebuildRollups } from '@beacon/db';
import * as q from '../src/queries/index.js';
import { goalStats } from '../src/queries/conversions.js';
import { goalDef, pagePatternRegex, type GoalDef } from '../src/queries/goals.js';
import { insertEventRows } from '@beacon/testkit';
import { generateRollupEvents } from './fixtures/rollup-data.js';
import {
  parseQuery,
  rolledAndRaw,
  sameFrom,
  seedAgency,
  seedSite,
  startTestApi,
  type TestApi,
} from './helpers.js';

// Long ranges from the anonymous per-day aggregates (rollup_days) plus the hourly rollups for the
// recent edge (docs/rollups.md, "Reading long ranges"): identical to raw events where the answer is
// exact (one frozen day per period or bucket; counters always), within the sketch's bound otherwise,
// and still right after days were compacted. Real PostgreSQL with the hll extension.

const BERLIN = 'Europe/Berlin'; // DST change on 2026-03-29 inside the data
let t: TestApi;
let pool: Pool;
let berlin: q.StatsSite;

beforeAll(async () => {
  t = await startTestApi();
  pool = t.db.pool;
  const agency = await seedAgency(pool, 'Days');
  await seedSite(pool, agency.id, { scriptId: 'rd_berlin', config: { timezone: BERLIN } });
  berlin = { scriptId: 'rd_berlin', config: { timezone: BERLIN } };
  await insertEventRows(pool, generateRollupEvents('rd_berlin', 7));
  await rebuildRollups(pool, { siteId: 'rd_berlin', chunkHours: 24 * 31 });
  // Frozen: every local day up to 2026-04-14; later days only in the hourly rollups (the "recent edge").
  await freezeDays(pool, 'rd_berlin', new Date('2025-12-31T23:00:00Z'), new Date('2026-04-14T22:00:00Z'));
}, 60_000);

afterAll(async () => {
  await t?.close();
});

const both = <T>(fn: (deps: q.StatsDeps) => Promise<T>) => rolledAndRaw(pool, fn);

const within = (est: number, exact: number, bound: number) =>
  expect(Math.abs(est - exact)).toBeLessThanOrEqual(Math.max(1, exact * bound));

const ONE_DAY = [
  { from: '2026-03-29', to: '2026-03-29' }, // the DST day (23 hours), previous period 2026-03-28
  { from: '2026-02-10', to: '2026-02-10' },
];

describe('exact where the answer is one frozen day', () => {
  test.each(ONE_DAY)('overview %o', async (range) => {
    const r = await sameFrom(pool, 'days', (d) => q.overview(d, berlin, parseQuery(q.statsQuery, range)));
    expect(r.current.sessions).toBeGreaterThan(0);
  });

  test.each(['pages', 'countries', 'referrers', 'companies', 'events', 'utm_campaigns'] as const)(
    'breakdown %s',
    async (dim) => {
      for (const range of ONE_DAY)
        for (const sort of [{}, { sort: 'value' }, { sort: 'sessions', order: 'asc', limit: '2' }]) {
          const r = await both((d) =>
            q.breakdown(d, berlin, dim, parseQuery(q.breakdownQuery, { ...range, ...sort })),
          );
          // Pages and custom events read the hourly rows while they exist (faster there; measured).
          expect(r.sources).toEqual([dim === 'pages' || dim === 'events' ? 'rollup' : 'days']);
          expect(r.rolled).toEqual(r.raw);
        }
    },
  );

  test('time series by day over two months (each bucket one frozen day)', async () => {
    await sameFrom(pool, 'days', (d) =>
      q.timeseries(
        d,
        berlin,
        parseQuery(q.timeseriesQuery, { from: '2026-02-01', to: '2026-03-31', interval: 'day' }),
      ),
    );
  });
});

describe('across days: counters exact, distinct counts from the sketches', () => {
  const LONG = [
    { from: '2026-02-01', to: '2026-03-02' }, // 30 frozen days
    { from: '2026-01-20', to: '2026-04-19' }, // 90 days, the last 5 from hourly rows
    { from: '2026-04-10', to: '2026-04-30' }, // mostly the edge
  ];
  test.each(LONG)('overview %o', async (range) => {
    const r = await both((d) => q.overview(d, berlin, parseQuery(q.statsQuery, range)));
    expect(r.sources).toEqual(['days']);
    for (const p of ['current', 'previous'] as const) {
      const [a, b] = [r.rolled[p], r.raw[p]];
      expect(a.page_views).toBe(b.page_views);
      expect(a.events).toBe(b.events);
      within(a.visitors, b.visitors, 0.05);
      within(a.sessions, b.sessions, 0.05);
      // Sessions crossing a local midnight count once per day in bounce and duration.
      within(a.viewing_sessions, b.viewing_sessions, 0.1);
    }
  });

  test('breakdown and weekly series', async () => {
    const range = LONG[1]!;
    const r = await both((d) =>
      q.breakdown(d, berlin, 'countries', parseQuery(q.breakdownQuery, { ...range, sort: 'value' })),
    );
    expect(r.sources).toEqual(['days']);
    expect(r.rolled.items.map((i) => [i.value, i.page_views, i.events])).toEqual(
      r.raw.items.map((i) => [i.value, i.page_views, i.events]),
    );
    r.rolled.items.forEach((i, k) => within(i.visitors as number, r.raw.items[k]!.visitors as number, 0.05));
    const w = await both((d) =>
      q.timeseries(d, berlin, parseQuery(q.timeseriesQuery, { ...range, interval: 'week' })),
    );
    expect(w.sources).toEqual(['days']);
    expect(w.rolled.items.map((i) => i.events)).toEqual(w.raw.items.map((i) => i.events));
  });

  test('filters, goal filters, hourly series and instants are not answered from days', async () => {
    await sameFrom(pool, 'rollup', (d) =>
      q.overview(d, berlin, parseQuery(q.statsQuery, { ...LONG[0]!, country: 'DE' })),
    );
    await sameFrom(pool, 'rollup', (d) =>
      q.timeseries(
        d,
        berlin,
        parseQuery(q.timeseriesQuery, { from: '2026-02-10', to: '2026-02-11', interval: 'hour' }),
      ),
    );
    await sameFrom(pool, 'rollup', (d) =>
      q.overview(
        d,
        berlin,
        parseQuery(q.statsQuery, { from: '2026-02-10T06:00:00Z', to: '2026-02-12T19:00:00Z' }),
      ),
    );
  });
});

const goal = (id: string, g: Partial<GoalDef>): GoalDef => goalDef({ id, name: id, ...g });
const GOALS = [
  goal('signup', { event_name: 'signup', value_mode: 'fixed', value_amount: '2.5' }),
  goal('blog', { kind: 'page', page_pattern: '/blog/*', page_regex: pagePatternRegex('/blog/*') }),
];

test('goal conversions from days: exact for one day and one name, counters exact over long ranges', async () => {
  await sameFrom(pool, 'days', (d) =>
    goalStats(d, berlin, parseQuery(q.statsQuery, { from: '2026-02-10', to: '2026-02-10' }), [GOALS[0]!]),
  );
  for (const range of [
    { from: '2026-02-01', to: '2026-03-02' },
    { from: '2026-01-20', to: '2026-04-19' },
  ]) {
    const r = await both((d) => goalStats(d, berlin, parseQuery(q.statsQuery, range), GOALS));
    expect(r.sources).toEqual(['days']);
    within(r.rolled.visitors, r.raw.visitors, 0.05);
    r.rolled.items.forEach((i, k) => {
      const raw = r.raw.items[k]!;
      expect([i.goal_id, i.conversions, i.value]).toEqual([raw.goal_id, raw.conversions, raw.value]);
      expect(raw.conversions).toBeGreaterThan(0);
      within(i.converters, raw.converters, 0.05);
    });
  }
});

test('after compaction: days answer as before; what days cannot answer goes to events, not to emptied hours', async () => {
  const range = { from: '2026-02-01', to: '2026-03-02' };
  const single = { from: '2026-02-10', to: '2026-02-10' };
  const before = await q.overview({ pool, rollups: true }, berlin, parseQuery(q.statsQuery, range));
  const day = await q.overview({ pool, rollups: true }, berlin, parseQuery(q.statsQuery, single));
  await compactHours(pool, 'rd_berlin', new Date('2026-02-01T00:00:00Z'), new Date('2026-02-20T00:00:00Z'));
  expect(await q.overview({ pool, rollups: true }, berlin, parseQuery(q.statsQuery, range))).toEqual(before);
  expect(await q.overview({ pool, rollups: true }, berlin, parseQuery(q.statsQuery, single))).toEqual(day);
  // Pages of a compacted day: from rollup_days now, still exact for one day.
  await sameFrom(pool, 'days', (d) => q.breakdown(d, berlin, 'pages', parseQuery(q.breakdownQuery, single)));
  await sameFrom(pool, 'events', (d) =>
    q.overview(
      d,
      berlin,
      parseQuery(q.statsQuery, { from: '2026-02-10T06:00:00Z', to: '2026-02-12T19:00:00Z' }),
    ),
  );
});
