import { freezingProxy, REDIS_URL, waitFor, type FreezingProxy } from '@beacon/testkit';
import { job, makeRow, newId, useQueueWorld } from './helpers.js';

// The writer's Redis connections go silent without closing (a half-open socket, as a Redis failover can
// leave behind: the Redis Cluster test once stalled this way with 42 events jobs waiting). The writer
// reaches the real Redis through a TCP proxy that freezes the connections it holds while new ones pass;
// its consumer watchdog (WRITER_STALL_RESTART_MS) must replace the consumer and store what waits.

const w = useQueueWorld('hung', ['site_a']);
let proxy: FreezingProxy;

beforeAll(async () => {
  proxy = await freezingProxy(new URL(REDIS_URL));
});
afterAll(() => proxy.close());

const stored = async (ids: string[]) => {
  const { rows } = await w.db.pool.query<{ n: string }>(
    'SELECT count(*) AS n FROM events WHERE id = ANY($1::uuid[])',
    [ids],
  );
  return Number(rows[0]!.n);
};

/** `n` jobs of one row each; the ids of their rows. */
async function addJobs(n: number, tag: string): Promise<string[]> {
  const rows = Array.from({ length: n }, (_, i) => makeRow({ id: newId(), session_id: `${tag}-${i}` }));
  await w.queue.addBulk(rows.map((r) => ({ name: 'events', data: job([r]) })));
  return rows.map((r) => r.id as string);
}

test('a writer whose Redis connections went silent gets a new consumer and stores the waiting jobs', async () => {
  const writer = await w.startWriter(
    { metricsPort: null },
    { REDIS_URL: proxy.url, WRITER_STALL_RESTART_MS: '2000' },
  );
  const restarts = async () =>
    (await writer.registry.getSingleMetric('beacon_writer_worker_restarts_total')!.get()).values[0]!.value;

  const before = await addJobs(5, 'before');
  await waitFor('the jobs sent before the freeze stored', async () => (await stored(before)) === 5);
  // Idle with an empty queue for longer than the stall limit: nothing is replaced.
  await new Promise((r) => setTimeout(r, 3_000));
  expect(await restarts()).toBe(0);

  proxy.freeze();
  try {
    await storedAfterFreeze(await addJobs(20, 'after'), restarts);
  } finally {
    // The frozen connections end at last (as TCP keepalive would), so the writer can close.
    proxy.dropFrozen();
  }
  await writer.close();
}, 60_000);

async function storedAfterFreeze(after: string[], restarts: () => Promise<number>): Promise<void> {
  // The frozen consumer takes nothing: the stuck state the watchdog exists for.
  await new Promise((r) => setTimeout(r, 1_000));
  expect(await stored(after)).toBe(0);

  await waitFor('the jobs sent after the freeze stored', async () => (await stored(after)) === 20, {
    timeoutMs: 30_000,
  });
  expect(await restarts()).toBeGreaterThanOrEqual(1);
  // Exactly once: a job the frozen consumer may have taken comes back through the stalled check.
  const { rows } = await w.db.pool.query<{ n: number; d: number }>(
    'SELECT count(*) AS n, count(DISTINCT id) AS d FROM events',
  );
  expect(rows[0]).toEqual({ n: 25, d: 25 });
}
