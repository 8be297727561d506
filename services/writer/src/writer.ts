import type { Server } from 'node:http';
import { Queue, Worker } from 'bullmq';
import { Counter, Gauge } from 'prom-client';
import type { Registry } from 'prom-client';
import type { Config } from '@beacon/config';
import { createPool } from '@beacon/db';
import { createLogger, createRegistry, startOpsServer, type Logger } from '@beacon/observability';
import { connectRedis, FailedJobSweeper, QUEUE_EVENTS, queuePrefixFor } from '@beacon/queue';
import { recordFailedEventsJob } from './dead-letters.js';
import { Loader } from './loader.js';
import { writerMetrics } from './metrics.js';
import { fanOut, type WriterObserver } from './observer.js';
import { Upkeep } from './upkeep.js';

export interface WriterOverrides {
  logger?: Logger;
  registry?: Registry;
  /** Extra subscriber to the writer's observations (benchmarks, tests). */
  observer?: Partial<WriterObserver>;
  /** Clock of partition upkeep and retention. */
  now?: () => Date;
  /** Port of /metrics /healthz /readyz; null = no ops server. Defaults to WRITER_METRICS_PORT. */
  metricsPort?: number | null;
}

export interface WriterHandle {
  /** Address of the ops server (undefined without one). */
  readonly port: number | undefined;
  readonly registry: Registry;
  /** True when PostgreSQL and Redis answer and the writer is not backing off. */
  ready(): Promise<boolean>;
  /** Graceful: stops taking jobs, lets batches in flight commit (WRITER_SHUTDOWN_TIMEOUT_MS), closes. */
  close(): Promise<void>;
}

/** How often failed events jobs are looked for besides this worker's own 'failed' events. */
const FAILED_SWEEP_INTERVAL_MS = 30_000;

/** Starts the writer: queue `events` -> PostgreSQL, partition upkeep, retention, ops endpoints. */
export async function startWriter(config: Config, overrides: WriterOverrides = {}): Promise<WriterHandle> {
  const w = config.writer;
  const log = overrides.logger ?? createLogger('writer', config.core.logLevel);
  const registry = overrides.registry ?? createRegistry('writer');
  const observer = fanOut([writerMetrics(registry), ...(overrides.observer ? [overrides.observer] : [])]);
  const pool = createPool({
    databaseUrl: config.core.databaseUrl,
    applicationName: 'beacon-writer',
    // One connection per batch in flight, one for upkeep, one for readiness.
    max: Math.min(config.core.databasePoolMax, w.concurrency + 2),
    statementTimeoutMs: config.core.databaseStatementTimeoutMs,
    logger: log,
  });
  const redis = connectRedis(config.core, 'worker');
  const prefix = queuePrefixFor(config.core, QUEUE_EVENTS);
  redis.on('error', (err) => log.debug({ err }, 'redis connection error'));
  const worker = new Worker(QUEUE_EVENTS, null, {
    connection: redis,
    prefix,
    autorun: false,
    lockDuration: w.lockDurationMs,
    stalledInterval: w.stalledIntervalMs,
    maxStalledCount: w.maxStalledCount,
    // Seconds a fetch blocks on an empty queue; short so close() is prompt.
    drainDelay: 1,
    removeOnComplete: { count: 0 },
    removeOnFail: { count: 10_000 },
  });
  // beacon_queue_jobs{queue,state}: read from Redis at scrape time, bounded so /metrics answers while Redis is down.
  const queue = new Queue(QUEUE_EVENTS, { connection: redis, prefix });
  queue.on('error', () => undefined);
  new Gauge({
    name: 'beacon_queue_jobs',
    help: 'Jobs in a queue by state. Healthy: waiting near 0 between bursts; a waiting count that only grows means the consumers fall behind.',
    labelNames: ['queue', 'state'],
    registers: [registry],
    async collect() {
      let timer: NodeJS.Timeout | undefined;
      const counts = await Promise.race([
        queue.getJobCounts('waiting', 'active', 'delayed', 'failed').catch(() => undefined),
        new Promise<undefined>((r) => (timer = setTimeout(() => r(undefined), 1_000))),
      ]);
      clearTimeout(timer);
      if (counts)
        for (const [state, n] of Object.entries(counts)) this.set({ queue: QUEUE_EVENTS, state }, n);
    },
  });
  worker.on('error', (err) => log.warn({ err }, 'queue worker error'));
  worker.on('stalled', () => observer.jobsStalled(1));
  // Jobs that fail for good (not an events job, or back from a dead holder more than
  // WRITER_MAX_STALLED_COUNT times) go to dead_events with the reason, never stay in Redis unread.
  const deadJobs = new Counter({
    name: 'beacon_failed_jobs_dead_lettered_total',
    help: 'Jobs that failed for good and were moved to dead_events (with their rows), by queue. Healthy: 0; see `beacon dead-letters list`.',
    labelNames: ['queue'],
    registers: [registry],
  });
  const sweeper = new FailedJobSweeper({
    queue,
    redis,
    intervalMs: FAILED_SWEEP_INTERVAL_MS,
    record: (job) => recordFailedEventsJob(pool, job),
    onSwept: (job, rows) => {
      deadJobs.inc({ queue: QUEUE_EVENTS });
      log.error(
        { jobId: job.id, rows, reason: job.failedReason },
        'events job failed for good: its rows are in dead_events',
      );
    },
    onError: (err) => log.warn({ err }, 'moving failed events jobs to dead_events failed; will retry'),
  });
  worker.on('failed', () => sweeper.trigger());

  const loader = new Loader(
    worker,
    pool,
    {
      batchMaxRows: w.batchMaxRows,
      batchMaxWaitMs: w.batchMaxWaitMs,
      concurrency: w.concurrency,
      lockDurationMs: w.lockDurationMs,
      retryBaseMs: w.retryBaseMs,
      retryMaxMs: w.retryMaxMs,
      rollups: config.rollups.write,
      profile: config.core.databaseProfile,
      onJobFailed: () => sweeper.trigger(),
    },
    observer,
    log,
  );
  const upkeep = new Upkeep(
    pool,
    {
      monthsAhead: config.storage.partitionMonthsAhead,
      partitionIntervalMs: w.partitionUpkeepIntervalMs,
      retentionIntervalMs: w.retentionIntervalMs,
      retentionDefaultMonths: config.storage.retentionMonthsDefault,
      retentionDeleteBatch: config.storage.retentionDeleteBatch,
      auditLogDays: config.dataRights.auditLogRetentionDays,
      now: overrides.now ?? (() => new Date()),
    },
    log,
  );

  let closing = false;
  const checks = [
    { name: 'postgres', check: async () => void (await pool.query('SELECT 1')) },
    { name: 'redis', check: async () => ({ ok: (await redis.ping()) === 'PONG' }) },
    {
      name: 'loader',
      check: async () => ({ ok: loader.healthy, detail: loader.healthy ? 'writing' : 'backing off' }),
    },
  ];
  const metricsPort = overrides.metricsPort === undefined ? w.metricsPort : overrides.metricsPort;
  let server: Server | undefined;
  if (metricsPort !== null)
    server = await startOpsServer({ registry, checks, accepting: () => !closing }, metricsPort);

  // Upkeep runs first so this month's partition exists; a failure (PostgreSQL down) does not stop the start.
  await upkeep.start();
  await worker.startStalledCheckTimer();
  loader.start();
  sweeper.start();
  log.info({ queue: QUEUE_EVENTS, prefix, ...w }, 'writer started');

  const addr = server?.address();
  return {
    port: addr && typeof addr === 'object' ? addr.port : undefined,
    registry,
    async ready() {
      if (closing) return false;
      try {
        await pool.query('SELECT 1');
        return loader.healthy && (await redis.ping()) === 'PONG';
      } catch {
        return false;
      }
    },
    async close() {
      if (closing) return;
      closing = true;
      const { finished } = await loader.close(w.shutdownTimeoutMs);
      if (!finished)
        log.warn(
          'batches still in flight at shutdown; their jobs return to the queue when their locks expire',
        );
      await upkeep.close();
      await sweeper.close();
      await worker.close(true).catch(() => undefined);
      await queue.close().catch(() => undefined);
      await redis.quit().catch(() => redis.disconnect());
      await pool.end().catch(() => undefined);
      await new Promise<void>((r) => (server ? server.close(() => r()) : r()));
      log.info('writer stopped');
    },
  };
}
