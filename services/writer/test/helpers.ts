import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Queue } from 'bullmq';
import type pg from 'pg';
import { parseConfig, type Config } from '@beacon/config';
import { EVENT_COLUMN_NAMES } from '@beacon/schema';
import {
  createTestDatabase,
  REDIS_URL,
  uniquePrefix,
  waitFor as pollUntil,
  type TestDatabase,
} from '@beacon/testkit';
import { startWriter, type WriterHandle, type WriterOverrides } from '../src/index.js';

/** Real collaborators in every writer test: PostgreSQL (a throwaway database) and Redis (unique prefix). */

export const WRITER_MAIN = fileURLToPath(new URL('../dist/main.js', import.meta.url));

export function writerEnv(
  dbUrl: string,
  prefix: string,
  extra: Record<string, string> = {},
): Record<string, string> {
  return {
    DATABASE_URL: dbUrl,
    REDIS_URL,
    QUEUE_PREFIX: prefix,
    WRITER_METRICS_PORT: '0',
    LOG_LEVEL: 'warn',
    WRITER_BATCH_MAX_WAIT_MS: '50',
    WRITER_LOCK_DURATION_MS: '2000',
    WRITER_STALLED_INTERVAL_MS: '1000',
    WRITER_RETRY_BASE_MS: '50',
    WRITER_RETRY_MAX_MS: '500',
    WRITER_SHUTDOWN_TIMEOUT_MS: '5000',
    DATABASE_POOL_MAX: '5',
    ...extra,
  };
}

export function writerConfig(dbUrl: string, prefix: string, extra: Record<string, string> = {}): Config {
  return parseConfig(writerEnv(dbUrl, prefix, { LOG_LEVEL: 'error', ...extra }));
}

export function eventsQueue(prefix: string): Queue {
  return new Queue('events', { connection: { url: REDIS_URL, maxRetriesPerRequest: null }, prefix });
}

/** A test file's throwaway database (with its sites) and events queue under a prefix of its own. */
export interface QueueWorld {
  db: TestDatabase;
  prefix: string;
  queue: Queue;
  /**
   * Starts a writer in this process on the world's database and queue (settings: writerConfig plus
   * `extra`); the world closes it before it empties the queue and drops the database.
   */
  startWriter(overrides?: WriterOverrides, extra?: Record<string, string>): Promise<WriterHandle>;
}

/**
 * Registers the hooks that make a QueueWorld before the file's tests and empty and drop it after them;
 * the answer is filled in by the time the tests run.
 */
export function useQueueWorld(name: string, siteIds: readonly string[]): QueueWorld {
  const writers: WriterHandle[] = [];
  const w = {
    async startWriter(
      overrides: WriterOverrides = { metricsPort: null },
      extra: Record<string, string> = {},
    ) {
      const writer = await startWriter(writerConfig(w.db!.url, w.prefix!, extra), overrides);
      writers.push(writer);
      return writer;
    },
  } as Partial<QueueWorld> & Pick<QueueWorld, 'startWriter'>;
  beforeAll(async () => {
    w.db = await createTestDatabase();
    await seedSites(w.db.pool, siteIds);
    w.prefix = uniquePrefix(name);
    w.queue = eventsQueue(w.prefix);
  });
  afterAll(async () => {
    for (const writer of writers) await writer.close();
    await w.queue?.obliterate({ force: true }).catch(() => undefined);
    await w.queue?.close();
    await w.db?.drop();
  });
  return w as QueueWorld;
}

/** Inserts one agency and the given sites (sessions reference sites.script_id). */
export async function seedSites(pool: pg.Pool, siteIds: readonly string[]): Promise<void> {
  const { rows } = await pool.query<{ id: string }>(
    "INSERT INTO agencies (name, api_key) VALUES ('test', 'x') RETURNING id",
  );
  await pool.query(
    "INSERT INTO sites (agency_id, name, domain, script_id) SELECT $1, s, s || '.example', s FROM unnest($2::text[]) s",
    [rows[0]!.id, siteIds],
  );
}

let counter = 0;

/** A UUIDv7-shaped id that sorts by creation. */
export function newId(ms = Date.now()): string {
  const hex = ms.toString(16).padStart(12, '0') + (counter++ % 0xfff).toString(16).padStart(3, '0');
  const rand = Array.from({ length: 17 }, () => Math.floor(Math.random() * 16).toString(16)).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-7${hex.slice(12, 15)}-${'89ab'[Math.floor(Math.random() * 4)]}${rand.slice(0, 3)}-${rand.slice(3, 15)}`;
}

/** A complete events row (every EVENT_COLUMNS name), as the enricher would put it in a job. */
export function makeRow(over: Record<string, unknown> = {}): Record<string, unknown> {
  const ts = (over.server_timestamp as string | undefined) ?? new Date().toISOString();
  const row: Record<string, unknown> = Object.fromEntries(EVENT_COLUMN_NAMES.map((c) => [c, null]));
  Object.assign(row, {
    id: newId(Date.parse(ts)),
    site_id: 'site_a',
    event_name: 'page_view',
    timestamp: Date.parse(ts) - 100,
    server_timestamp: ts,
    client_id: 'c1',
    session_id: 's1',
    page_url: 'https://a.example/',
    device_type: 'desktop',
    country: 'DE',
    time_on_page: 5,
    properties: { plan: 'pro' },
    ...over,
  });
  return row;
}

export function job(rows: Record<string, unknown>[], companies?: unknown[]): Record<string, unknown> {
  return companies ? { type: 'events', v: 1, rows, companies } : { type: 'events', v: 1, rows };
}

/** testkit's waitFor, with the writer tests' longer default (a writer process starts in the meantime). */
export function waitFor<T>(
  what: string,
  fn: () => Promise<T | undefined | false>,
  timeoutMs = 60_000,
): Promise<T> {
  return pollUntil(what, fn, { timeoutMs });
}

/** A writer as its own process (node dist/main.js), its output kept for failure messages. */
export function spawnWriter(env: Record<string, string>): ChildProcess & { output: () => string } {
  const child = spawn(process.execPath, [WRITER_MAIN], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  }) as ChildProcess & { output: () => string };
  let out = '';
  child.stdout!.on('data', (d) => (out = (out + d).slice(-20_000)));
  child.stderr!.on('data', (d) => (out = (out + d).slice(-20_000)));
  child.output = () => out;
  return child;
}

export async function stopChild(child: ChildProcess, signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const done = new Promise((r) => child.once('exit', r));
  child.kill(signal);
  await done;
}

/** Sessions whose counters differ from a count over events (should be none). */
export async function sessionMismatches(pool: pg.Pool): Promise<number> {
  const { rows } = await pool.query<{ n: number }>(`
    SELECT count(*)::int AS n FROM (
      SELECT session_id, site_id, count(*) FILTER (WHERE event_name = 'page_view') AS pv, count(*) AS ec,
             min(server_timestamp) AS st, max(server_timestamp) AS en
      FROM events WHERE session_id IS NOT NULL GROUP BY session_id, site_id) e
    FULL JOIN sessions s USING (session_id)
    WHERE s.page_views IS DISTINCT FROM e.pv::int OR s.events_count IS DISTINCT FROM e.ec::int
       OR s.started_at IS DISTINCT FROM e.st OR s.ended_at IS DISTINCT FROM e.en OR s.site_id IS DISTINCT FROM e.site_id`);
  return rows[0]!.n;
}

/**
 * `total` rows in jobs of `perJob`, each of `sessions` sessions spread over several jobs (row i belongs
 * to session i % sessions), so session rows are merged across batches and writers.
 */
export function streamJobs(
  total: number,
  perJob: number,
  sessions: number,
  sites: readonly string[],
): { id: string; data: Record<string, unknown> }[] {
  const t0 = Date.now() - 3_600_000;
  const jobs: { id: string; data: Record<string, unknown> }[] = [];
  let rows: Record<string, unknown>[] = [];
  for (let i = 0; i < total; i++) {
    const s = i % sessions;
    rows.push(
      makeRow({
        server_timestamp: new Date(t0 + i * 10).toISOString(),
        session_id: `sess-${s}`,
        client_id: `client-${s % 997}`,
        site_id: sites[s % sites.length],
        event_name: i % 5 === 3 ? 'click' : 'page_view',
        page_url: `https://shop.example/p/${i % 113}?q=${i}`,
        time_on_page: i % 30,
        company_domain: i % 10 === 0 ? `firm${i % 7}.example` : null,
        company_name: i % 10 === 0 ? `Firm ${i % 7}` : null,
      }),
    );
    if (rows.length === perJob) {
      jobs.push({ id: `job-${jobs.length}`, data: job(rows) });
      rows = [];
    }
  }
  if (rows.length) jobs.push({ id: `job-${jobs.length}`, data: job(rows) });
  return jobs;
}

/** Adds the jobs in chunks, a little at a time, like a live enricher (stable job ids). */
export async function produce(
  queue: Queue,
  jobs: { id: string; data: Record<string, unknown> }[],
  chunk = 25,
  pauseMs = 20,
): Promise<void> {
  for (let i = 0; i < jobs.length; i += chunk) {
    await queue.addBulk(
      jobs.slice(i, i + chunk).map((j) => ({ name: 'events', data: j.data, opts: { jobId: j.id } })),
    );
    await new Promise((r) => setTimeout(r, pauseMs));
  }
}

export async function queueEmpty(queue: Queue): Promise<boolean> {
  const c = await queue.getJobCounts('waiting', 'active', 'delayed', 'prioritized', 'failed');
  return Object.values(c).every((n) => n === 0);
}

/**
 * The crash drill of the writer tests on a QueueWorld: `jobs` are produced on its queue (`pace`: jobs
 * per chunk, pause between chunks) while, `drill.kills` times, a writer process (writerEnv plus `env`)
 * starts, the stored row count grows by a random amount (up to `drill.maxStep`, never past
 * `total - drill.margin`) and, after a random moment, the writer is killed -9; then a last writer runs
 * until every row is stored and the queue is empty. Resolves with the row counts at each kill (all must
 * be below `total` for the drill to mean anything) and the exit code of the last writer after its SIGTERM.
 */
export async function killWritersMidStream(
  w: QueueWorld,
  jobs: { id: string; data: Record<string, unknown> }[],
  opts: {
    env: Record<string, string>;
    pace: [chunk: number, pauseMs: number];
    total: number;
    drill: { kills: number; maxStep: number; margin: number };
    stored: () => Promise<number>;
  },
): Promise<{ kills: number[]; lastExitCode: number | null }> {
  const { total, drill, stored } = opts;
  const env = writerEnv(w.db.url, w.prefix, opts.env);
  const producing = produce(w.queue, jobs, ...opts.pace);
  const kills: number[] = [];
  for (let k = 0; k < drill.kills; k++) {
    const child = spawnWriter(env);
    const target = (await stored()) + Math.floor(Math.random() * drill.maxStep);
    try {
      await waitFor(
        'rows to grow',
        async () => (await stored()) >= Math.min(target, total - drill.margin),
        60_000,
      );
    } catch (err) {
      throw new Error(`${(err as Error).message}\n${child.output()}`);
    }
    await new Promise((r) => setTimeout(r, Math.random() * 150));
    await stopChild(child, 'SIGKILL');
    kills.push(await stored());
  }
  await producing;
  const last = spawnWriter(env);
  try {
    await waitFor(
      'all rows stored and the queue empty',
      async () => (await stored()) >= total && (await queueEmpty(w.queue)),
      90_000,
    );
  } catch (err) {
    throw new Error(
      `${(err as Error).message} (stored ${await stored()}, kills at ${kills})\n${last.output()}`,
    );
  } finally {
    await stopChild(last, 'SIGTERM');
  }
  return { kills, lastExitCode: last.exitCode };
}

export { freePort } from '@beacon/testkit';
