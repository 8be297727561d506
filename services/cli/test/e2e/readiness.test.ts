import { spawnSync } from 'node:child_process';
import pg from 'pg';
import { PG_ADMIN_URL, waitFor } from '@beacon/testkit';
import { CLI, privateRedis, statusOf, type ServiceName, useRunningStack } from './harness.js';

// Real: the four services as `beacon serve` child processes. Their Redis is a PRIVATE redis-server
// spawned here (killed and started again; the shared one is never touched) and their PostgreSQL a
// throwaway database that is dropped (forcing its connections out) and created again.

const SERVICES: ServiceName[] = ['writer', 'enricher', 'api', 'collector'];

let redis: Awaited<ReturnType<typeof privateRedis>>;

const w = useRunningStack('e2e-ready', {
  env: { ENRICHER_DEFAULT_GEO: 'false', ENRICHER_DEFAULT_ASN: 'false' },
  ownRedis: async () => {
    redis = await privateRedis();
    return { env: { REDIS_URL: redis.url }, stop: () => redis.kill() };
  },
  start: (stack) => Promise.all(SERVICES.map((s) => stack.start(s))),
});

const readyz = async () =>
  Object.fromEntries(
    await Promise.all(SERVICES.map(async (s) => [s, await statusOf(`${w.stack.url(s)}/readyz`)])),
  );

async function until(want: Record<string, number>, what: string) {
  let last: Record<string, number> = {};
  await waitFor(
    () => `${what}: want ${JSON.stringify(want)}, have ${JSON.stringify(last)}`,
    async () => {
      last = await readyz();
      return SERVICES.every((s) => last[s] === want[s]);
    },
    { timeoutMs: 45_000, intervalMs: 200, ignoreErrors: true },
  );
  return last;
}

async function admin(sql: string) {
  const c = new pg.Client({ connectionString: PG_ADMIN_URL });
  await c.connect();
  try {
    await c.query(sql);
  } finally {
    await c.end();
  }
}

test('/readyz is 503 while Redis is down and 200 again once it is back (the API only needs PostgreSQL)', async () => {
  expect(await readyz()).toEqual({ writer: 200, enricher: 200, api: 200, collector: 200 });
  await redis.kill();
  await until({ writer: 503, enricher: 503, api: 200, collector: 503 }, 'not ready without Redis');
  // Liveness is not readiness: the processes are up and say so.
  for (const s of SERVICES) expect(await statusOf(`${w.stack.url(s)}/healthz`)).toBe(200);
  // Every Redis client of the workers has an 'error' listener (no "[ioredis] Unhandled error event").
  for (const s of ['enricher', 'writer'] as const)
    expect(w.stack.procs[s]!.output()).not.toMatch(/Unhandled error event/);
  await redis.restart();
  await until({ writer: 200, enricher: 200, api: 200, collector: 200 }, 'ready again with Redis');
}, 120_000);

test('/readyz is 503 while the database is gone and 200 again once it exists', async () => {
  const template = process.env.BEACON_TEST_TEMPLATE_DB;
  await admin(`DROP DATABASE ${pg.escapeIdentifier(w.db.name)} WITH (FORCE)`);
  await until({ writer: 503, enricher: 503, api: 503, collector: 503 }, 'not ready without PostgreSQL');
  await admin(
    `CREATE DATABASE ${pg.escapeIdentifier(w.db.name)}${template ? ` TEMPLATE ${pg.escapeIdentifier(template)}` : ''}`,
  );
  await until({ writer: 200, enricher: 200, api: 200, collector: 200 }, 'ready again with PostgreSQL');
  expect(Object.values(w.stack.procs).every((p) => p!.child.exitCode === null)).toBe(true);
}, 120_000);

test('`beacon healthcheck` finds each service from its settings (/healthz on its port, /readyz on its ops port)', () => {
  const check = (name: ServiceName, env: Record<string, string>, ...args: string[]) =>
    spawnSync(process.execPath, [CLI, 'healthcheck', name, ...args], {
      env: { PATH: process.env.PATH ?? '', ...w.stack.env, ...env },
      encoding: 'utf8',
    }).status;
  // The collector and the api (the workers' single port did not change); run last, on a settled stack.
  for (const s of ['api', 'collector'] as const) {
    expect({ s, live: check(s, w.stack.portEnvOf(s)) }).toEqual({ s, live: 0 });
    expect({ s, ready: check(s, w.stack.portEnvOf(s), '--ready') }).toEqual({ s, ready: 0 });
  }
  // The api's readiness is read on its ops port, not its public one: pointed elsewhere, it fails.
  const api = w.stack.portEnvOf('api');
  expect(check('api', { ...api, API_OPS_PORT: '1' }, '--ready')).not.toBe(0);
  expect(
    check('collector', { ...w.stack.portEnvOf('collector'), COLLECTOR_OPS_PORT: '1' }, '--ready'),
  ).not.toBe(0);
});
