import { Queue, Worker } from 'bullmq';
import { freezingProxy, REDIS_URL, uniquePrefix, waitFor, type FreezingProxy } from '@beacon/testkit';
import { ConsumerWatchdog, createRedis, type Redis } from '../src/index.js';

// A consumer that is connected yet takes nothing (what a Redis failover left behind in the cluster
// test): the worker talks to the real Redis through a TCP proxy that can go silent on the connections
// it holds while new ones still pass, like a half-open socket after a failover. BullMQ's own watchdog
// re-arms its blocking wait on a new socket, but the worker's main connection never answers again.

const prefix = uniquePrefix('watchdog');
let proxy: FreezingProxy;
let direct: Redis;
let queue: Queue;

beforeAll(async () => {
  proxy = await freezingProxy(new URL(REDIS_URL));
  direct = createRedis(REDIS_URL, 'worker');
  queue = new Queue('jobs', { connection: direct, prefix });
});

afterAll(async () => {
  await queue.obliterate({ force: true }).catch(() => undefined);
  await queue.close();
  direct.disconnect();
  await proxy.close();
});

/** A watchdog over workers that connect through the proxy; `done` collects finished job names. */
function watched(done: string[], stallMs: number, restarts: (number | 'unknown')[]) {
  return new ConsumerWatchdog({
    make: () => {
      const connection = createRedis(proxy.url, 'worker');
      connection.on('error', () => undefined);
      const worker = new Worker(
        'jobs',
        async (job) => {
          done.push(job.name);
        },
        { connection, prefix, drainDelay: 1, lockDuration: 2_000, stalledInterval: 1_000 },
      );
      worker.on('error', () => undefined);
      return { worker, release: async () => connection.disconnect() };
    },
    waiting: () => queue.getWaitingCount(),
    stallMs,
    checkMs: 250,
    onRestart: ({ waiting }) => restarts.push(waiting),
  });
}

test('a worker whose connection went silent is replaced and the waiting jobs are consumed', async () => {
  const done: string[] = [];
  const restarts: (number | 'unknown')[] = [];
  const dog = watched(done, 2_000, restarts);

  await queue.add('before', {});
  await waitFor('the first job consumed', () => done.includes('before'));
  // Idle for longer than stallMs with an empty queue: nothing is restarted.
  await new Promise((r) => setTimeout(r, 3_000));
  expect(dog.restarts).toBe(0);
  const first = dog.worker;

  proxy.freeze();
  await queue.addBulk(Array.from({ length: 5 }, (_, i) => ({ name: `after-${i}`, data: {} })));
  // The frozen worker takes nothing: this is the stuck state the watchdog exists for.
  await new Promise((r) => setTimeout(r, 1_500));
  expect(done.filter((n) => n.startsWith('after-'))).toEqual([]);

  await waitFor('the jobs sent after the freeze consumed', () => done.length === 6, { timeoutMs: 20_000 });
  expect(dog.restarts).toBeGreaterThanOrEqual(1);
  expect(dog.worker).not.toBe(first);
  expect(restarts[0]).not.toBe(0);
  await dog.close((w) => w.close());
});
