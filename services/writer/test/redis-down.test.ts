import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Queue } from 'bullmq';
import { createTestDatabase, uniquePrefix, type TestDatabase } from '@beacon/testkit';
import { startWriter, type WriterHandle } from '../src/index.js';
import {
  freePort,
  produce,
  queueEmpty,
  seedSites,
  sessionMismatches,
  streamJobs,
  waitFor,
  writerConfig,
} from './helpers.js';

// Redis is a private redis-server started by this test (killed and restarted: never the shared one), with
// an append-only file so the queue survives, as production runs it. PostgreSQL is a throwaway database on
// the shared server. The writer runs in this process so the test can watch /readyz.
const TOTAL = 10_000;
let db: TestDatabase;
let dir: string;
let port: number;
let redis: ChildProcess | undefined;
let writer: WriterHandle | undefined;
let queue: Queue;

async function startRedis(): Promise<void> {
  redis = spawn(
    'redis-server',
    [
      '--port',
      String(port),
      '--bind',
      '127.0.0.1',
      '--save',
      '',
      '--appendonly',
      'yes',
      '--appendfsync',
      'always',
      '--dir',
      dir,
    ],
    {
      stdio: 'ignore',
    },
  );
  await waitFor('redis to answer', async () => {
    const q = new Queue('probe', {
      connection: { url: `redis://127.0.0.1:${port}`, maxRetriesPerRequest: 1, enableOfflineQueue: false },
    });
    q.on('error', () => undefined);
    try {
      await q.waitUntilReady();
      return true;
    } catch {
      return false;
    } finally {
      await q.close().catch(() => undefined);
    }
  });
}

async function killRedis(): Promise<void> {
  const r = redis!;
  const done = new Promise((res) => r.once('exit', res));
  r.kill('SIGKILL');
  await done;
}

beforeAll(async () => {
  db = await createTestDatabase();
  await seedSites(db.pool, ['site_0', 'site_1']);
  dir = await mkdtemp(join(tmpdir(), 'beacon-redis-'));
  port = await freePort();
  await startRedis();
  queue = new Queue('events', {
    connection: { url: `redis://127.0.0.1:${port}`, maxRetriesPerRequest: null },
    prefix: uniquePrefix('redisdown'),
  });
  queue.on('error', () => undefined); // this producer sees Redis die too
});

afterAll(async () => {
  await writer?.close();
  await queue?.close().catch(() => undefined);
  if (redis && redis.exitCode === null) await killRedis();
  await rm(dir, { recursive: true, force: true });
  await db?.drop();
});

async function stored(): Promise<number> {
  return Number((await db.pool.query('SELECT count(*) AS n FROM events')).rows[0].n);
}

it('Redis killed while loading: the writer is not ready, keeps retrying, resumes when Redis is back; exact counts', async () => {
  const config = writerConfig(db.url, queue.opts.prefix!, {
    REDIS_URL: `redis://127.0.0.1:${port}`,
    WRITER_BATCH_MAX_ROWS: '1000',
  });
  await produce(queue, streamJobs(TOTAL, 100, 1_000, ['site_0', 'site_1']), 100, 0);
  writer = await startWriter(config, { metricsPort: 0 });
  const readyz = async () => (await fetch(`http://127.0.0.1:${writer!.port}/readyz`)).status;
  await waitFor('some rows', async () => (await stored()) > 1_000);
  await killRedis();
  await waitFor('/readyz to say not ready', async () => (await readyz()) === 503, 20_000);
  await new Promise((r) => setTimeout(r, 500));
  await startRedis();
  await waitFor('/readyz ready again', async () => (await readyz()) === 200, 30_000);
  await waitFor(
    'every row stored',
    async () => (await stored()) >= TOTAL && (await queueEmpty(queue)),
    60_000,
  );
  const { rows } = await db.pool.query(
    'SELECT count(*)::int AS n, count(DISTINCT id)::int AS ids FROM events',
  );
  expect(rows[0]).toEqual({ n: TOTAL, ids: TOTAL });
  expect(await sessionMismatches(db.pool)).toBe(0);
}, 120_000);
