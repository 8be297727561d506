import { REDIS_URL, uniquePrefix } from '@beacon/testkit';
import type { Queue } from 'bullmq';
import { dispatchOnce } from '../../src/b2b/dispatcher.js';
import { createRegistry, serviceMetrics } from '@beacon/observability';
import {
  eventsQueue,
  job,
  makeRow,
  spawnWriter,
  stopChild,
  waitFor,
  writerEnv,
} from '../../../writer/test/helpers.js';
import { call, login, seedTwoAgencies, startTestApi, type TestApi } from '../helpers.js';
import { startReceiver, type TestReceiver } from './receiver.js';

// Exactly one alert per rule, company and window across crashes, with real processes: the writer is
// `node services/writer/dist/main.js`, killed with SIGKILL right after it committed a batch (before any
// alert was sent: this API's dispatcher runs only when the test says); a second writer takes the
// re-delivered job. Then the alert side crashes between its COMMIT and the enqueue of the delivery.

let t: TestApi;
let f: Awaited<ReturnType<typeof seedTwoAgencies>>;
let rx: TestReceiver;
let queue: Queue;
let prefix: string;

beforeAll(async () => {
  rx = await startReceiver();
  prefix = uniquePrefix('alerts-crash');
  t = await startTestApi({
    env: {
      API_BACKGROUND_JOBS: 'true',
      ALERTS_DISPATCH_TICK_MS: '0',
      ALERTS_ALLOW_LOOPBACK_RECEIVERS_TEST_ONLY: 'true',
      QUEUE_PREFIX: prefix,
      REDIS_URL,
    },
  });
  f = await seedTwoAgencies(t.db.pool);
  await t.db.pool.query(`SELECT * FROM beacon_ensure_event_partitions(now() - interval '1 month', 2)`);
  queue = eventsQueue(prefix);
  const admin = await login(t.url, f.admin.email, f.admin.password);
  const ep = await call(t.url, 'POST', `/v1/sites/${f.siteA.id}/alert-endpoints`, {
    token: admin,
    body: { name: 'CRM', kind: 'webhook', url: `${rx.url}/crm` },
  });
  expect(ep.status).toBe(201);
  const rule = await call(t.url, 'POST', `/v1/sites/${f.siteA.id}/company-alert-rules`, {
    token: admin,
    body: { name: 'Any company', endpoint_ids: [ep.body.id] },
  });
  expect(rule.status).toBe(201);
});
afterAll(async () => {
  await queue?.obliterate({ force: true }).catch(() => undefined);
  await queue?.close();
  await t?.close();
  await rx?.close();
});

const rowsOf = (domain: string, n: number) =>
  Array.from({ length: n }, (_, i) =>
    makeRow({
      site_id: f.siteA.scriptId,
      company_domain: domain,
      company_name: domain,
      page_path: `/p${i}`,
      session_id: `s-${domain}`,
    }),
  );

test('writer killed (kill -9) after its commit, before any alert: the alert is delivered exactly once', async () => {
  const env = writerEnv(t.db.url, prefix, { WRITER_BATCH_MAX_ROWS: '500' });
  const first = spawnWriter(env);
  // Several jobs of the same company: more than one batch, so more than one outbox row.
  for (let i = 0; i < 4; i++) await queue.add('events', job(rowsOf('victim.example', 50)));
  await waitFor('a committed batch', async () => {
    const { rows } = await t.db.pool.query(
      `SELECT count(*)::int AS n FROM events WHERE company_domain = 'victim.example'`,
    );
    return rows[0].n > 0;
  });
  await stopChild(first, 'SIGKILL');
  const second = spawnWriter(env);
  try {
    await waitFor(
      'all 200 events stored',
      async () => {
        const { rows } = await t.db.pool.query(
          `SELECT count(*)::int AS n FROM events WHERE company_domain = 'victim.example'`,
        );
        return rows[0].n === 200;
      },
      60_000,
    );
  } finally {
    await stopChild(second, 'SIGTERM');
  }
  // Two dispatchers at once (this replica's and a second one's, on its own connections): per-site
  // SKIP LOCKED claims and the unique window key.
  const replica2 = {
    pool: t.db.pool,
    logger: t.api.deps.logger,
    metrics: serviceMetrics('api', createRegistry('api', { defaultMetrics: false })).alerts,
    dashboardUrl: 'http://localhost:3000',
  };
  await Promise.all([
    t.api.deps.alerts!.dispatch(),
    dispatchOnce(replica2, new Date(), (x) => t.api.deps.alerts!.enqueue(x)),
  ]);
  await t.api.deps.alerts!.dispatch();
  await rx.waitFor((r) => r.path === '/crm' && r.body.includes('victim.example'));
  await new Promise((r) => setTimeout(r, 1500));
  const got = rx.received.filter((r) => r.body.includes('"victim.example"'));
  expect(got).toHaveLength(1);
  const { rows } = await t.db.pool.query(
    `SELECT count(*)::int AS n FROM company_alerts WHERE domain = 'victim.example'`,
  );
  expect(rows[0].n).toBe(1);
  expect((await t.db.pool.query(`SELECT count(*)::int AS n FROM company_activity_outbox`)).rows[0].n).toBe(0);
}, 120_000);

test('the alert side dies between its COMMIT and the enqueue: the sweep delivers it, once', async () => {
  const env = writerEnv(t.db.url, prefix);
  const w = spawnWriter(env);
  try {
    await queue.add('events', job(rowsOf('lost.example', 5)));
    await waitFor('stored', async () => {
      const { rows } = await t.db.pool.query(
        `SELECT count(*)::int AS n FROM company_activity_outbox WHERE domain = 'lost.example'`,
      );
      return rows[0].n > 0;
    });
  } finally {
    await stopChild(w, 'SIGTERM');
  }
  // A dispatcher pass whose process "dies" before queueing: its deliveries exist, no job does.
  const r = await dispatchOnce({
    pool: t.db.pool,
    logger: t.api.deps.logger,
    metrics: serviceMetrics('api', createRegistry('api', { defaultMetrics: false })).alerts,
    dashboardUrl: 'http://localhost:3000',
  });
  expect(r.deliveries).toHaveLength(1);
  await new Promise((res) => setTimeout(res, 1100));
  expect(rx.received.filter((x) => x.body.includes('"lost.example"'))).toHaveLength(0);
  expect(await t.api.deps.alerts!.sweep(1)).toBe(1);
  await t.api.deps.alerts!.sweep(0); // a second sweep finds the same job id: no second job
  await rx.waitFor((x) => x.body.includes('"lost.example"'));
  await new Promise((res) => setTimeout(res, 1500));
  expect(rx.received.filter((x) => x.body.includes('"lost.example"'))).toHaveLength(1);
}, 120_000);
