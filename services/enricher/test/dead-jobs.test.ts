import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { Queue } from 'bullmq';
import { createLogger } from '@beacon/observability';
import { createRedis, type Redis } from '@beacon/queue';
import {
  createTestDatabase,
  failByStalling,
  REDIS_URL,
  uniquePrefix,
  waitFor,
  type TestDatabase,
} from '@beacon/testkit';
import { startEnricher, type EnricherHandle } from '../src/index.js';
import { CHROME, enricherTestConfig, seedSites } from './fixtures.js';

// Every raw job that fails for good reaches dead_events with its reason (real PostgreSQL, Redis and
// BullMQ). The kill-loop finding: a hits job whose enricher died more often than maxStalledCount allows
// ended `failed` and its hits reached neither events nor dead_events.

const CLI = fileURLToPath(new URL('../../../services/cli/dist/main.js', import.meta.url));

let db: TestDatabase;
let prefix: string;
let enricher: EnricherHandle | undefined;
let producer: Redis;
let hits: Queue;

beforeAll(async () => {
  db = await createTestDatabase();
  prefix = uniquePrefix('enr-dead');
  await seedSites(db.pool, [['keep', 'keep.example', 'site_keep']]);
  producer = createRedis(REDIS_URL, 'worker');
  hits = new Queue('hits', { connection: producer, prefix });
});

afterAll(async () => {
  await enricher?.close();
  await hits?.obliterate({ force: true }).catch(() => undefined);
  await hits?.close();
  const keys = await producer.keys(`${prefix}:*`);
  if (keys.length) await producer.del(...keys);
  await producer?.quit();
  await db?.drop();
});

const hit = () => ({
  id: randomUUID(),
  server_timestamp: new Date().toISOString(),
  event_name: 'page_view',
  page_url: 'https://keep.example/',
});
const rawJob = (hitList: Record<string, unknown>[]) => ({
  type: 'raw',
  v: 1,
  requests: [
    {
      site_id: 'site_keep',
      ip: '203.0.113.7',
      user_agent: CHROME,
      client_hints: {},
      origin: null,
      hits: hitList,
    },
  ],
});

/** A site's ingestion_health counts by outcome and reason. */
async function healthOf(site: string) {
  const { rows } = await db.pool.query(
    `SELECT outcome, reason, sum(count)::int AS n FROM ingestion_health WHERE site_id = $1
     GROUP BY 1, 2 ORDER BY 1, 2`,
    [site],
  );
  return rows;
}

async function start(): Promise<EnricherHandle> {
  return startEnricher(enricherTestConfig(db, prefix), {
    metricsPort: null,
    logger: createLogger('enricher', 'silent'),
  });
}

test('a raw job back from dead holders too often fails for good; its hits (not the stored ones) land in dead_events', async () => {
  const [storedHit, ...lostHits] = [hit(), hit(), hit()];
  // One hit's event was stored before (its events job went through, the raw job was never completed).
  await db.pool.query(
    `INSERT INTO events (id, site_id, event_name, server_timestamp) VALUES ($1, 'site_keep', 'page_view', now())`,
    [storedHit!.id],
  );
  const job = await hits.add('raw', rawJob([storedHit!, ...lostHits]), { attempts: 10 });
  // Its holder dies (the lock is never renewed), and the stalled check finds it once more than
  // allowed: BullMQ marks it to fail, as after ENRICHER_MAX_STALLED_COUNT kills of its enrichers.
  expect(await failByStalling(hits, prefix)).toBe(job.id);

  enricher = await start();
  const ids = [storedHit!, ...lostHits].map((h) => h.id);
  const dead = await waitFor(
    'the dead letters',
    async () => {
      const r = await db.pool.query<{
        id: string;
        stage: string;
        site_id: string;
        error: string;
        payload: { hit: { id: string }; request: Record<string, unknown> };
      }>(
        'SELECT id, stage, site_id, error, payload FROM dead_events WHERE id = ANY($1::uuid[]) ORDER BY id',
        [ids],
      );
      return r.rows.length === 2 && r.rows;
    },
    { timeoutMs: 20_000 },
  );
  expect(dead.map((d) => d.id).sort()).toEqual(lostHits.map((h) => h.id).sort());
  for (const d of dead) {
    expect(d).toMatchObject({ stage: 'enricher', site_id: 'site_keep' });
    expect(d.error).toMatch(
      new RegExp(`job ${job.id} of hits failed for good.*stalled more than allowable limit`),
    );
    expect(d.payload.hit.id).toBe(d.id);
    expect(d.payload.request).toMatchObject({ site_id: 'site_keep', ip: '203.0.113.7' });
    expect(d.payload.request).not.toHaveProperty('hits');
  }
  await waitFor('the failed job removed from Redis', async () => (await hits.getJob(job.id!)) === undefined, {
    timeoutMs: 20_000,
  });
  expect(await hits.getJobCounts('failed')).toEqual({ failed: 0 });
  // In the site's ingestion health once per dead hit (two of the job's three), with the dead letters.
  expect(await healthOf('site_keep')).toEqual([{ outcome: 'dead_lettered', reason: 'enricher', n: 2 }]);

  // `beacon dead-letters replay --stage enricher` puts them back on `hits`; the enricher makes events of them.
  const { stdout } = await promisify(execFile)(
    process.execPath,
    [CLI, '--json', 'dead-letters', 'replay', '--stage', 'enricher'],
    { env: { ...process.env, DATABASE_URL: db.url, REDIS_URL, QUEUE_PREFIX: prefix } },
  );
  expect(JSON.parse(stdout)).toMatchObject({ replayed: 2, skipped: 0 });
  const events = new Queue('events', { connection: producer, prefix });
  try {
    const rowIds = await waitFor(
      'the replayed hits as events',
      async () => {
        const jobs = await events.getJobs(['waiting', 'active', 'delayed']);
        const ids = jobs.flatMap((j) => (j.data as { rows: unknown[][] }).rows.map((r) => r[0]));
        return ids.length === 2 && ids;
      },
      { timeoutMs: 20_000 },
    );
    expect(rowIds.sort()).toEqual(lostHits.map((h) => h.id).sort());
  } finally {
    await events.obliterate({ force: true }).catch(() => undefined);
    await events.close();
  }
  const pending = await db.pool.query(`SELECT count(*)::int AS n FROM dead_events WHERE replayed_at IS NULL`);
  expect(pending.rows[0].n).toBe(0);
  // The replay enriched them: still counted once (nothing is written by the enricher for kept rows).
  expect(await healthOf('site_keep')).toEqual([{ outcome: 'dead_lettered', reason: 'enricher', n: 2 }]);
});

test('a job that is not a raw job fails without retry and is kept whole in dead_events', async () => {
  enricher ??= await start();
  const job = await hits.add('raw', { type: 'nonsense', n: 1 }, { attempts: 10 });
  const dead = await waitFor(
    'the dead letter of the job',
    async () => {
      const r = await db.pool.query<{ error: string; payload: { job: unknown } }>(
        `SELECT error, payload FROM dead_events WHERE stage = 'enricher' AND payload->'job'->>'type' = 'nonsense'`,
      );
      return r.rows[0];
    },
    { timeoutMs: 20_000 },
  );
  expect(dead.error).toMatch(
    new RegExp(`job ${job.id} of hits failed for good after 1 attempt.*not a raw job`),
  );
  expect(dead.payload.job).toEqual({ type: 'nonsense', n: 1 });
  await waitFor('the failed job removed from Redis', async () => (await hits.getJob(job.id!)) === undefined, {
    timeoutMs: 20_000,
  });
});
