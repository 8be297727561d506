import type { Pool } from 'pg';
import type { Registry } from 'prom-client';
import { createRegistry } from '@beacon/observability';
import { rebuildRollups } from '@beacon/db';
import * as q from '../src/queries/index.js';
import { insertEventRows } from '@beacon/testkit';
import { generateRollupEvents } from './fixtures/rollup-data.js';
import {
  call,
  login,
  parseQuery,
  rolledAndRaw,
  sameFrom,
  seedAgency,
  seedSite,
  seedUser,
  startTestApi,
  type TestApi,
} from './helpers.js';

// Every endpoint that reads rollups gives the same answer from rollups as from raw events, on a
// generated data set (docs/rollups.md). Real PostgreSQL (a throwaway database with the API on port 0);
// events inserted directly, rollups built by `rebuildRollups` (what `beacon rollups rebuild` runs);
// query functions called twice, with rollups allowed and with rollups off.

const BERLIN = 'Europe/Berlin'; // DST change on 2026-03-29 inside the data
const KOLKATA = 'Asia/Kolkata'; // UTC+05:30: days are not unions of UTC hours -> events

let t: TestApi;
let pool: Pool;
let berlin: q.StatsSite;
let kolkata: q.StatsSite;
let token: string;
let siteId: string;
let registry: Registry;

beforeAll(async () => {
  registry = createRegistry('api', { defaultMetrics: false });
  t = await startTestApi({ overrides: { registry } });
  pool = t.db.pool;
  const agency = await seedAgency(pool, 'Rollups');
  const b = await seedSite(pool, agency.id, { scriptId: 'ru_berlin', config: { timezone: BERLIN } });
  await seedSite(pool, agency.id, { scriptId: 'ru_kolkata', config: { timezone: KOLKATA } });
  siteId = b.id;
  berlin = { scriptId: 'ru_berlin', config: { timezone: BERLIN } };
  kolkata = { scriptId: 'ru_kolkata', config: { timezone: KOLKATA } };
  await insertEventRows(pool, generateRollupEvents('ru_berlin', 1));
  await insertEventRows(pool, generateRollupEvents('ru_kolkata', 2));
  for (const s of ['ru_berlin', 'ru_kolkata']) await rebuildRollups(pool, { siteId: s, chunkHours: 24 * 31 });
  const admin = await seedUser(pool, agency.id, 'admin');
  token = await login(t.url, admin.email, admin.password);
}, 60_000);

afterAll(async () => {
  await t?.close();
});

/** Runs `fn` with rollups on and off; returns both answers and the sources seen. */
const both = <T>(fn: (deps: q.StatsDeps) => Promise<T>) => rolledAndRaw(pool, fn);

const RANGES: Record<string, string>[] = [
  { from: '2026-03-29', to: '2026-03-29' }, // the DST day (23 hours)
  { from: '2026-03-23', to: '2026-03-29' },
  { from: '2026-02-01', to: '2026-03-02' },
  { from: '2026-01-20', to: '2026-04-19' },
  { from: '2026-02-10T06:00:00Z', to: '2026-02-12T19:00:00Z' },
];

describe('same numbers from rollups as from events', () => {
  test.each(RANGES)('overview %o', async (range) => {
    const r = await sameFrom(pool, 'rollup', (d) => q.overview(d, berlin, parseQuery(q.statsQuery, range)));
    expect(r.current.sessions).toBeGreaterThan(0);
  });

  test.each(['hour', 'day', 'week', 'month'])('timeseries by %s', async (interval) => {
    for (const range of interval === 'hour' ? RANGES.slice(0, 2) : RANGES) {
      await sameFrom(pool, 'rollup', (d) =>
        q.timeseries(d, berlin, parseQuery(q.timeseriesQuery, { ...range, interval })),
      );
    }
  });

  const dims = [
    'pages',
    'entry_pages',
    'exit_pages',
    'referrers',
    'referrer_classes',
    'channels',
    'utm_sources',
    'utm_mediums',
    'utm_campaigns',
    'countries',
    'devices',
    'browsers',
    'os',
    'companies',
    'industries',
    'visitor_types',
    'events',
  ] as const;
  test.each(dims)('breakdown %s', async (dim) => {
    for (const range of RANGES) {
      for (const sort of [
        {},
        { sort: 'sessions', order: 'asc', limit: '3' },
        { sort: 'page_views' },
        { sort: 'value' },
      ]) {
        const query = parseQuery(q.breakdownQuery, { ...range, ...sort });
        await sameFrom(pool, 'rollup', (d) => q.breakdown(d, berlin, dim, query));
      }
    }
    const wide = await both((d) => q.breakdown(d, berlin, dim, parseQuery(q.breakdownQuery, RANGES[3]!)));
    expect(wide.raw.items.length).toBeGreaterThan(0);
  });

  test('companies', async () => {
    for (const range of RANGES) {
      for (const sort of [{}, { sort: 'visitors' }, { sort: 'last_seen', order: 'asc' }]) {
        await sameFrom(pool, 'rollup', (d) =>
          q.companies(d, berlin, parseQuery(q.companiesQuery, { ...range, ...sort })),
        );
      }
    }
  });
});

/** Filters on session-level columns, which rollup_sessions keeps: answered from rollups too. */
const FILTERS: Record<string, string | string[]>[] = [
  { country: 'DE' },
  { utm_source: 'newsletter', device_type: ['mobile', 'desktop'] },
  { visitor_type: 'business' },
  { visitor_type: ['human', '(none)'], referrer_domain: '(none)' },
  { company_name: 'Acme', channel: ['organic_search', 'direct'] },
];

describe('same numbers with filters on session-level columns', () => {
  test.each(FILTERS)('%o', async (filter) => {
    const range = { from: '2026-02-01', to: '2026-03-02' };
    const checks: [string, (d: q.StatsDeps) => Promise<unknown>][] = [
      ['overview', (d) => q.overview(d, berlin, parseQuery(q.statsQuery, { ...range, ...filter }))],
      [
        'timeseries',
        (d) =>
          q.timeseries(d, berlin, parseQuery(q.timeseriesQuery, { ...range, ...filter, interval: 'week' })),
      ],
      ['companies', (d) => q.companies(d, berlin, parseQuery(q.companiesQuery, { ...range, ...filter }))],
      ...(
        ['referrers', 'utm_sources', 'countries', 'visitor_types', 'entry_pages', 'exit_pages'] as const
      ).map((dim): [string, (d: q.StatsDeps) => Promise<unknown>] => [
        dim,
        (d) => q.breakdown(d, berlin, dim, parseQuery(q.breakdownQuery, { ...range, ...filter })),
      ]),
    ];
    for (const [name, fn] of checks) {
      const r = await both(fn);
      expect([name, r.sources]).toEqual([name, ['rollup']]);
      expect([name, r.rolled]).toEqual([name, r.raw]);
    }
    const o = await q.overview(
      { pool, rollups: false },
      berlin,
      parseQuery(q.statsQuery, { ...range, ...filter }),
    );
    expect(o.current.events).toBeGreaterThan(0);
  });
});

describe('what rollups cannot answer comes from events', () => {
  test('an event-level filter, bots, pages with a filter, a range off the hour, a :30 timezone, missing coverage', async () => {
    const day = { from: '2026-02-01', to: '2026-02-28' };
    await sameFrom(pool, 'events', (d) =>
      q.overview(d, berlin, parseQuery(q.statsQuery, { ...day, page_path: '/pricing' })),
    );
    const bots = await sameFrom(pool, 'events', (d) =>
      q.overview(d, berlin, parseQuery(q.statsQuery, { ...day, visitor_type: 'bot' })),
    );
    expect(bots.current.events).toBeGreaterThan(0);
    await sameFrom(pool, 'events', (d) =>
      q.breakdown(d, berlin, 'pages', parseQuery(q.breakdownQuery, { ...day, country: 'DE' })),
    );
    await sameFrom(pool, 'events', (d) =>
      q.overview(
        d,
        berlin,
        parseQuery(q.statsQuery, { from: '2026-02-01T00:30:00Z', to: '2026-02-02T00:00:00Z' }),
      ),
    );
    const india = await sameFrom(pool, 'events', (d) =>
      q.overview(d, kolkata, parseQuery(q.statsQuery, day)),
    );
    expect(india.current.events).toBeGreaterThan(0);
    // The same question in a whole-hour timezone (tz parameter) of the Kolkata site is answered from rollups.
    await sameFrom(pool, 'rollup', (d) =>
      q.overview(d, kolkata, parseQuery(q.statsQuery, { ...day, tz: 'UTC' })),
    );
    // Coverage starting after the range's start (e.g. rollups switched on later): events.
    await pool.query(`UPDATE rollup_coverage SET since = '2026-02-15T00:00:00Z' WHERE site_id = 'ru_berlin'`);
    try {
      expect((await both((d) => q.overview(d, berlin, parseQuery(q.statsQuery, day)))).sources).toEqual([
        'events',
      ]);
      // overview also reads the previous period: it must be covered too.
      const later = { from: '2026-03-10', to: '2026-03-20' };
      expect((await both((d) => q.overview(d, berlin, parseQuery(q.statsQuery, later)))).sources).toEqual([
        'rollup',
      ]);
    } finally {
      await pool.query(`UPDATE rollup_coverage SET since = '-infinity' WHERE site_id = 'ru_berlin'`);
    }
  });

  test('HTTP: X-Beacon-Source header and the source label of the query histogram', async () => {
    const base = `/v1/sites/${siteId}/stats`;
    const a = await call(t.url, 'GET', `${base}/overview?from=2026-02-01&to=2026-02-28`, { token });
    expect(a.status).toBe(200);
    expect(a.headers.get('x-beacon-source')).toBe('rollup');
    const b = await call(t.url, 'GET', `${base}/overview?from=2026-02-01&to=2026-02-28&page_path=/pricing`, {
      token,
    });
    expect(b.status).toBe(200);
    expect(b.headers.get('x-beacon-source')).toBe('events');
    expect(a.body.current.events).toBeGreaterThan(b.body.current.events);
    const c = await call(t.url, 'GET', `${base}/breakdown/pages?from=2026-02-01&to=2026-02-28`, { token });
    expect(c.headers.get('x-beacon-source')).toBe('rollup');
    const metrics = await registry.metrics();
    expect(metrics).toMatch(
      /beacon_api_query_duration_seconds_count\{[^}]*endpoint="overview"[^}]*source="rollup"/,
    );
    expect(metrics).toMatch(
      /beacon_api_query_duration_seconds_count\{[^}]*endpoint="overview"[^}]*source="events"/,
    );
  });
});
