import {
  produce,
  queueEmpty,
  sessionMismatches,
  spawnWriter,
  stopChild,
  streamJobs,
  waitFor,
  writerEnv,
  useQueueWorld,
} from './helpers.js';

// Two writer processes compete for the same queue while every session's events are spread over jobs
// that both take: the session upserts of both touch the same rows at the same time.
const TOTAL = 20_000;
const SESSIONS = 2_000;
const SITES = ['site_0', 'site_1'];

const w = useQueueWorld('two', SITES);

it('two writers on one queue: no deadlock, exact counts', async () => {
  const env = writerEnv(w.db.url, w.prefix, { WRITER_BATCH_MAX_ROWS: '1000', WRITER_CONCURRENCY: '2' });
  const a = spawnWriter(env);
  const b = spawnWriter(env);
  try {
    await produce(w.queue, streamJobs(TOTAL, 50, SESSIONS, SITES), 40, 5);
    await waitFor(
      'all rows stored',
      async () => {
        const { rows } = await w.db.pool.query<{ n: string }>('SELECT count(*) AS n FROM events');
        return Number(rows[0]!.n) >= TOTAL && (await queueEmpty(w.queue));
      },
      60_000,
    );
  } catch (err) {
    throw new Error(`${(err as Error).message}\n--- a:\n${a.output()}\n--- b:\n${b.output()}`);
  } finally {
    await Promise.all([stopChild(a, 'SIGTERM'), stopChild(b, 'SIGTERM')]);
  }
  const { rows } = await w.db.pool.query(
    'SELECT count(*)::int AS n, count(DISTINCT id)::int AS ids FROM events',
  );
  expect(rows[0]).toEqual({ n: TOTAL, ids: TOTAL });
  expect(await sessionMismatches(w.db.pool)).toBe(0);
  // PostgreSQL saw no deadlock (the writers' backends have exited: their stats are flushed).
  expect(a.output() + b.output()).not.toMatch(/40P01|deadlock/);
  const { rows: d } = await w.db.pool.query(
    'SELECT deadlocks::int AS n FROM pg_stat_database WHERE datname = current_database()',
  );
  expect(d[0].n).toBe(0);
}, 120_000);
