// Backpressure and shutdown against a PRIVATE redis-server spawned here (killed and restarted by the
// test; the shared Redis is never touched) and the real PostgreSQL for sites.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { Queue } from 'bullmq';
import { createRedis } from '@beacon/queue';
import { QUEUE_HITS, type RawJob } from '@beacon/schema';
import { createTestDatabase, uniquePrefix, type TestDatabase, freePort, waitFor } from '@beacon/testkit';
import type { Gauge } from 'prom-client';
import { startCollector, type CollectorHandle } from '../src/index.js';
import { pageView, post, seedSites, testConfig } from './helpers.js';

let db: TestDatabase;
let redisPort: number;
let redisProc: ChildProcess | undefined;

async function startRedis(): Promise<void> {
  redisProc = spawn(
    'redis-server',
    ['--port', String(redisPort), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
    {
      stdio: 'ignore',
    },
  );
  const probe = createRedis(`redis://127.0.0.1:${redisPort}`, 'worker', { retryStrategy: () => 50 });
  try {
    await waitFor('the private Redis', async () => (await probe.ping()) === 'PONG', {
      timeoutMs: 10_000,
      intervalMs: 20,
      ignoreErrors: true,
    });
  } finally {
    probe.disconnect();
  }
}

async function stopRedis(): Promise<void> {
  if (!redisProc || redisProc.exitCode !== null) return;
  const exited = once(redisProc, 'exit');
  redisProc.kill('SIGKILL');
  await exited;
}

async function queuedEventIds(prefix: string): Promise<string[]> {
  const redis = createRedis(`redis://127.0.0.1:${redisPort}`, 'worker');
  const queue = new Queue(QUEUE_HITS, { connection: redis, prefix });
  try {
    const jobs = await queue.getJobs(['waiting']);
    return jobs.flatMap((j) =>
      (j.data as RawJob).requests.flatMap((r) => r.hits.map((h) => h.event_id as string)),
    );
  } finally {
    await queue.close();
    redis.disconnect();
  }
}

/** Waits until the collector at `base` answers /readyz with 200 (Redis and PostgreSQL reachable). */
function collectorReady(base: string, timeoutMs = 10_000): Promise<boolean> {
  const ready = async () => (await fetch(`${base}/readyz`)).status === 200;
  return waitFor('the collector ready', ready, { timeoutMs, intervalMs: 20, ignoreErrors: true });
}

/** Waits until the collector takes hits again (202), sending one with this event_id at each try. */
function acceptedAgain(base: string, eventId: string, timeoutMs: number): Promise<boolean> {
  const accepted = async () =>
    (await post(base, '/v1/track', { site_id: 'site_ok', ...pageView({ event_id: eventId }) })).status ===
    202;
  return waitFor('a hit accepted again', accepted, { timeoutMs, intervalMs: 20, ignoreErrors: true });
}

/** A collector on the private Redis with these settings, once it is ready (closed again if it never is). */
async function readyCollector(
  prefix: string,
  extra: Record<string, string>,
): Promise<{ collector: CollectorHandle; base: string }> {
  const collector = await startCollector(
    testConfig(db, prefix, { REDIS_URL: `redis://127.0.0.1:${redisPort}`, ...extra }),
  );
  const base = `http://127.0.0.1:${collector.port}`;
  await collectorReady(base).catch(async (err: unknown) => {
    await collector.close();
    throw err;
  });
  return { collector, base };
}

beforeAll(async () => {
  db = await createTestDatabase();
  await seedSites(db, [{ scriptId: 'site_ok' }]);
  redisPort = await freePort();
  await startRedis();
});

afterAll(async () => {
  await stopRedis();
  await db?.drop();
});

test('Redis down → fast 503 with Retry-After (never a hang or a 500); hits flow again when it returns', async () => {
  const prefix = uniquePrefix('down');
  const { collector, base } = await readyCollector(prefix, { COLLECTOR_RETRY_AFTER_S: '7' });
  try {
    const first = await post(base, '/v1/track', { site_id: 'site_ok', ...pageView({ event_id: 'before' }) });
    expect(first.status).toBe(202);

    await stopRedis();
    for (const path of ['/v1/track', '/v1/batch']) {
      const body =
        path === '/v1/track'
          ? { site_id: 'site_ok', ...pageView() }
          : { site_id: 'site_ok', events: [pageView()] };
      const res = await post(base, path, body);
      expect(res.status).toBe(503);
      expect(res.headers.get('retry-after')).toBe('7');
      const json = (await res.json()) as { error: string; details: { reason: string } };
      expect(json.error).toBe('unavailable');
      expect(['redis_down', 'redis_timeout']).toContain(json.details.reason);
    }
    // The pixel still answers its GIF.
    const px = await fetch(`${base}/v1/pixel.gif?site_id=site_ok&page_url=https%3A%2F%2Fa.example%2F`);
    expect(px.status).toBe(200);
    await px.arrayBuffer();
    expect((await fetch(`${base}/readyz`)).status).toBe(503);
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
    const metrics = await (await fetch(`http://127.0.0.1:${collector.opsPort}/metrics`)).text();
    expect(metrics).toMatch(
      /beacon_collector_unavailable_total\{reason="redis_(down|timeout)",service="collector"\} [1-9]/,
    );

    await startRedis();
    await acceptedAgain(base, 'after', 15_000);
    // The restarted Redis is empty (no persistence): only the hit accepted after it returned is there.
    expect(await queuedEventIds(prefix)).toEqual(['after']);
  } finally {
    await collector.close();
  }
});

test('Redis stalled (SIGSTOP: connected but silent) → 503 redis_timeout, then at once while it stays stalled', async () => {
  const prefix = uniquePrefix('stall');
  const { collector, base } = await readyCollector(prefix, { COLLECTOR_ENQUEUE_TIMEOUT_MS: '300' });
  try {
    redisProc!.kill('SIGSTOP');
    try {
      for (let i = 0; i < 3; i++) {
        const res = await post(base, '/v1/track', { site_id: 'site_ok', ...pageView() });
        expect(res.status).toBe(503);
        expect(((await res.json()) as { details: { reason: string } }).details.reason).toBe('redis_timeout');
      }
    } finally {
      redisProc!.kill('SIGCONT');
    }
    await acceptedAgain(base, 'resumed', 10_000);
    expect(await queuedEventIds(prefix)).toContain('resumed');
  } finally {
    await collector.close();
  }
});

test('close() answers requests waiting in the micro-batch after flushing them to Redis', async () => {
  const prefix = uniquePrefix('close');
  // A long fixed window: without the flush on close these requests would wait 1 s.
  const { collector, base } = await readyCollector(prefix, {
    COLLECTOR_BATCH_WAIT_MS: '1000',
    COLLECTOR_BATCH_CONCURRENCY: '0',
  });
  const pending = collector.registry.getSingleMetric('beacon_collector_pending_hits') as Gauge;
  const answers = ['c1', 'c2', 'c3'].map((id) =>
    post(base, '/v1/track', { site_id: 'site_ok', ...pageView({ event_id: id }) }),
  );
  await waitFor(
    '3 hits waiting in the micro-batch',
    async () => (await pending.get()).values[0]?.value === 3,
    { timeoutMs: 5_000, intervalMs: 20, ignoreErrors: true },
  );
  await collector.close();
  for (const a of await Promise.all(answers)) expect(a.status).toBe(202);
  expect((await queuedEventIds(prefix)).sort()).toEqual(['c1', 'c2', 'c3']);
  // Closed means closed: no new connections.
  await expect(fetch(`${base}/healthz`)).rejects.toThrow();
});

test('a queue deeper than COLLECTOR_QUEUE_MAX_JOBS → 503 queue_full', async () => {
  const prefix = uniquePrefix('full');
  const { collector, base } = await readyCollector(prefix, {
    COLLECTOR_QUEUE_MAX_JOBS: '2',
    COLLECTOR_QUEUE_CHECK_MS: '100',
    COLLECTOR_BATCH_WAIT_MS: '0',
  });
  try {
    for (let i = 0; i < 3; i++)
      expect((await post(base, '/v1/track', { site_id: 'site_ok', ...pageView() })).status).toBe(202);
    let res: Response | undefined;
    await waitFor(
      'a 503 once the queue is full',
      async () => {
        res = await post(base, '/v1/track', { site_id: 'site_ok', ...pageView() });
        return res.status === 503;
      },
      { timeoutMs: 5_000, intervalMs: 20, ignoreErrors: true },
    );
    const json = (await res!.json()) as { details: { reason: string } };
    expect(json.details.reason).toBe('queue_full');
    expect(res!.headers.get('retry-after')).toBeTruthy();
  } finally {
    await collector.close();
  }
});

test('the process entry (dist/main.js) serves, and exits 0 on SIGTERM after flushing', async () => {
  const prefix = uniquePrefix('main');
  const main = new URL('../dist/main.js', import.meta.url).pathname;
  const env = {
    ...process.env,
    DATABASE_URL: db.url,
    REDIS_URL: `redis://127.0.0.1:${redisPort}`,
    QUEUE_PREFIX: prefix,
    COLLECTOR_PORT: String(await freePort()),
    COLLECTOR_OPS_PORT: '0',
    COLLECTOR_HOST: '127.0.0.1',
    LOG_LEVEL: 'info',
  };
  const child = spawn(process.execPath, [main], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  try {
    const base = `http://127.0.0.1:${env.COLLECTOR_PORT}`;
    await collectorReady(base, 15_000);
    expect(
      (await post(base, '/v1/track', { site_id: 'site_ok', ...pageView({ event_id: 'via-main' }) })).status,
    ).toBe(202);
    const exited = once(child, 'exit');
    child.kill('SIGTERM');
    const [code] = await exited;
    expect(code).toBe(0);
    expect(await queuedEventIds(prefix)).toEqual(['via-main']);
    // JSON log lines, one of them saying it closed.
    const lines = out
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { msg: string });
    expect(lines.map((l) => l.msg)).toContain('collector closed');
  } finally {
    if (child.exitCode === null) child.kill('SIGKILL');
  }
});
