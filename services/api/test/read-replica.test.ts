import { randomBytes, randomUUID } from 'node:crypto';
import pg from 'pg';
import { migrate } from '@beacon/db';
import { insertEventRows, startPgReplicaPair, waitFor, type PgReplicaPair } from '@beacon/testkit';
import type { ApiHandle } from '../src/index.js';
import { parseLsn } from '../src/read-replica.js';
import { call, login, seedAgency, seedUser, startTestApi, type TestApi } from './helpers.js';
import { EVENTS, SITE_A, TZ_A, seedStats, select, totals, type Ev } from './fixtures/stats-data.js';

// The API on a real primary + streaming replica (a private pair from initdb and pg_basebackup):
// dashboard reads come from the replica while it keeps up, from the primary when it lags past
// DATABASE_READ_MAX_LAG_S, and auth/admin always from the primary. Numbers against the JS reference.

let pair: PgReplicaPair;
let t: TestApi;
let api: ApiHandle;
let primary: pg.Pool;
let replicaClient: pg.Client;
let url = '';
let token = '';
let siteA = '';
const R = 'from=2026-01-10&to=2026-01-16';

beforeAll(async () => {
  pair = await startPgReplicaPair();
  const admin = new pg.Client({ connectionString: pair.primary.url() });
  await admin.connect();
  await admin.query('CREATE DATABASE beacon');
  await admin.end();
  await migrate(pair.primary.url('beacon'));
  primary = new pg.Pool({ connectionString: pair.primary.url('beacon'), max: 2 });
  const a = await seedAgency(primary, 'Agency A');
  const b = await seedAgency(primary, 'Agency B');
  siteA = (await seedStats(primary, { agencyA: a.id, agencyB: b.id })).siteA;
  const viewer = await seedUser(primary, a.id, 'viewer');
  await pair.caughtUp();
  replicaClient = new pg.Client({ connectionString: pair.replica.url('beacon') });
  await replicaClient.connect();

  t = await startTestApi({
    db: { name: 'beacon', url: pair.primary.url('beacon'), pool: primary, drop: async () => undefined },
    env: {
      DATABASE_READ_URL: pair.replica.url('beacon'),
      DATABASE_READ_MAX_LAG_S: '1',
      DATABASE_READ_LAG_CHECK_MS: '200',
    },
  });
  api = t.api;
  url = t.url;
  // Login writes a session row: it must work on the primary whatever the replica does.
  token = await login(url, viewer.email, viewer.password);
}, 120_000);

afterAll(async () => {
  await t?.close();
  await replicaClient?.end().catch(() => undefined);
  await primary?.end();
  await pair?.stop();
}, 60_000);

const overview = async () => {
  const r = await call(url, 'GET', `/v1/sites/${siteA}/stats/overview?${R}`, { token });
  expect(r.status).toBe(200);
  return r.body.current as Record<string, number>;
};

/**
 * Whether the replica served a request: `ask` it, then look for `statement` among the last queries of
 * the API's read pool's backends there. The lag check (every DATABASE_READ_LAG_CHECK_MS) may take that
 * backend next and overwrite its last query, so callers ask again until one is seen (each try a fresh
 * chance).
 */
const servedByReplica = (ask: () => Promise<unknown>, statement: RegExp) => async () => {
  await ask();
  const { rows } = await replicaClient.query<{ query: string }>(
    `SELECT query FROM pg_stat_activity WHERE application_name = 'beacon-api-reads' AND datname = 'beacon'`,
  );
  return rows.some((r) => statement.test(r.query));
};

test('lsn text parses to bytes in order', () => {
  expect(parseLsn('0/16B3748')).toBe(0x16b3748n);
  expect(parseLsn('1/0') > parseLsn('0/FFFFFFFF')).toBe(true);
});

test('dashboard reads come from the replica while it keeps up, with the reference numbers', async () => {
  await waitFor('replica in use', () => api.deps.replica!.status().inUse, {
    timeoutMs: 20_000,
    intervalMs: 100,
  });
  const expected = totals(select(SITE_A, '2026-01-10', '2026-01-16', TZ_A));
  const got = await overview();
  for (const k of ['visitors', 'sessions', 'page_views', 'events'] as const) expect(got[k]).toBe(expected[k]);
  await waitFor('an overview statement on the replica', servedByReplica(overview, /FROM events/i), {
    timeoutMs: 20_000,
    intervalMs: 100,
  });
  const metrics = await api.deps.registry.getSingleMetricAsString('beacon_api_replica_in_use');
  expect(metrics).toMatch(/beacon_api_replica_in_use 1/);
});

test('revenue and web vitals are dashboard reads too: the replica serves them', async () => {
  await waitFor('replica in use', () => api.deps.replica!.status().inUse, {
    timeoutMs: 20_000,
    intervalMs: 100,
  });
  for (const [path, statement] of [
    ['/stats/revenue', /ecommerce_data/],
    ['/stats/web-vitals', /'web_vitals'/],
  ] as const) {
    const ask = async () => {
      const r = await call(url, 'GET', `/v1/sites/${siteA}${path}?${R}`, { token });
      expect(r.status).toBe(200);
    };
    await waitFor(`${path} on the replica`, servedByReplica(ask, statement), {
      timeoutMs: 20_000,
      intervalMs: 100,
    });
  }
});

test('a paused replica serves the old answer until its lag passes the limit, then the primary answers', async () => {
  const before = await overview();
  await replicaClient.query('SELECT pg_wal_replay_pause()');
  try {
    // A new visitor on the primary, inside the asked range.
    const extra: Ev = {
      ...EVENTS.find((e) => e.site_id === SITE_A && e.event_name === 'page_view')!,
      id: randomUUID(),
      client_id: `replica-${randomBytes(4).toString('hex')}`,
      session_id: `replica-s-${randomBytes(4).toString('hex')}`,
    };
    await insertEventRows(primary, [extra]);
    // Still on the replica (lag below 1 s): the old figures.
    if (api.deps.replica!.status().inUse) expect((await overview()).visitors).toBe(before.visitors);
    // Past the limit the API reads the primary and sees the new visitor.
    await waitFor('fallback to the primary', () => !api.deps.replica!.status().inUse, {
      timeoutMs: 20_000,
      intervalMs: 100,
    });
    expect(api.deps.replica!.status().lagSeconds).toBeGreaterThan(1);
    expect((await overview()).visitors).toBe(before.visitors + 1);
    // Auth and admin never depended on the replica.
    const me = await call(url, 'GET', '/v1/me', { token });
    expect(me.status).toBe(200);
  } finally {
    await replicaClient.query('SELECT pg_wal_replay_resume()');
  }
  // Caught up again: back on the replica, same figures as the primary.
  await waitFor('back on the replica', () => api.deps.replica!.status().inUse, {
    timeoutMs: 20_000,
    intervalMs: 100,
  });
  expect(api.deps.replica!.status().lagSeconds).toBeLessThanOrEqual(1);
  expect((await overview()).visitors).toBe(before.visitors + 1);
}, 60_000);

test('an unreachable replica moves reads to the primary', async () => {
  await pair.caughtUp();
  await waitFor('replica in use', () => api.deps.replica!.status().inUse, {
    timeoutMs: 20_000,
    intervalMs: 100,
  });
  const expected = await overview();
  const { spawnSync } = await import('node:child_process');
  // Stop the standby (immediate), as a crashed replica would.
  const { pgBinDir } = await import('@beacon/testkit');
  const asRoot = process.getuid?.() === 0;
  const stop = [`${pgBinDir()}/pg_ctl`, '-D', pair.replica.dataDir, '-m', 'immediate', '-w', 'stop'];
  const r = asRoot
    ? spawnSync('runuser', ['-u', 'postgres', '--', ...stop])
    : spawnSync(stop[0]!, stop.slice(1));
  expect(r.status).toBe(0);
  await replicaClient.end().catch(() => undefined);
  await waitFor('fallback after the replica stopped', () => !api.deps.replica!.status().inUse, {
    timeoutMs: 20_000,
    intervalMs: 100,
  });
  expect(api.deps.replica!.status().reason).toBe('replica not answering');
  expect(await overview()).toEqual(expected);
}, 60_000);
