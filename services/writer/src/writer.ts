import type { Worker } from 'bullmq';
import type { Registry } from 'prom-client';
import type { Config } from '@beacon/config';
import { createPool, type Pool } from '@beacon/db';
import {
  closeSequence,
  serviceObservability,
  startOps,
  storeChecks,
  type Logger,
  type ObservabilityOverrides,
  type ReadinessCheck,
} from '@beacon/observability';
import {
  connectRedis,
  ConsumerWatchdog,
  eventsWorker,
  onOwnConnection,
  openEventsQueue,
  QUEUE_EVENTS,
  queueDepthGauge,
  queuePrefixFor,
  stallTiming,
} from '@beacon/queue';
import { failedEventsJobSweeper } from './dead-letters.js';
import { Loader, type LoaderOptions } from './loader.js';
import { metricsObserver } from './metrics.js';
import { fanOut, type WriterObserver } from './observer.js';
import { Upkeep, type UpkeepOptions } from './upkeep.js';

export interface WriterOverrides extends ObservabilityOverrides {
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

/** Starts the writer: queue `events` -> PostgreSQL, partition upkeep, retention, ops endpoints. */
export async function startWriter(config: Config, overrides: WriterOverrides = {}): Promise<WriterHandle> {
  const w = config.writer;
  const { logger: log, registry, metrics } = serviceObservability('writer', config, overrides);
  const observer = fanOut([metricsObserver(metrics), ...(overrides.observer ? [overrides.observer] : [])]);
  const pool = writerPool(config, log);
  const redis = connectRedis(config.core, 'worker');
  redis.on('error', (err) => log.debug({ err }, 'redis connection error'));
  const queue = openEventsQueue(config.core, redis);
  queueDepthGauge(registry, [queue]);
  const sweeper = failedEventsJobSweeper({ pool, queue, redis, deadJobs: metrics.deadJobs }, log);
  const consumer = watchedConsumer(config, queue, {
    log,
    onStalled: () => observer.jobsStalled(1),
    onFailed: () => sweeper.trigger(),
    onRestart: () => metrics.workerRestarts.inc(),
  });
  const loader = new Loader(
    consumer,
    pool,
    loaderOptions(config, () => sweeper.trigger()),
    observer,
    log,
  );
  const upkeep = new Upkeep(pool, upkeepOptions(config, overrides.now), log);

  let closing = false;
  const checks: ReadinessCheck[] = [...storeChecks(pool, redis), loaderCheck(loader)];
  const metricsPort = overrides.metricsPort === undefined ? w.metricsPort : overrides.metricsPort;
  const opsServer = await startOps({ registry, checks, accepting: () => !closing }, metricsPort);

  // Upkeep runs first so this month's partition exists; a failure (PostgreSQL down) does not stop the start.
  await upkeep.start();
  loader.start();
  sweeper.start();
  log.info(
    { queue: QUEUE_EVENTS, prefix: queuePrefixFor(config.core, QUEUE_EVENTS), ...w },
    'writer started',
  );

  const close = closeSequence(log, [
    ['stop taking jobs', () => (closing = true)],
    ['batches in flight', () => finishBatches(loader, w.shutdownTimeoutMs, log)],
    ['upkeep', () => upkeep.close()],
    ['failed-job sweeper', () => sweeper.close()],
    ['worker', () => consumer.close((worker) => worker.close(true).catch(() => undefined))],
    ['queue', () => queue.close().catch(() => undefined)],
    ['redis', () => redis.quit().catch(() => redis.disconnect())],
    ['pool', () => pool.end().catch(() => undefined)],
    ['ops server', () => opsServer.close()],
    ['log', () => log.info('writer stopped')],
  ]);
  return {
    port: opsServer.port ?? undefined,
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
    close,
  };
}

/**
 * The consumer of `events`, replaced when jobs wait without progress (WRITER_STALL_RESTART_MS), as the
 * enricher's is: each incarnation has a connection of its own, so the new one does not inherit a hung
 * socket. A manual-fetch worker runs its stalled-job check only once asked to.
 */
function watchedConsumer(
  config: Config,
  queue: { getWaitingCount(): Promise<number> },
  on: { log: Logger; onStalled: () => void; onFailed: () => void; onRestart: () => void },
): ConsumerWatchdog<Worker> {
  const w = config.writer;
  const onError = (err: Error) => on.log.debug({ err }, 'redis connection error (consumer)');
  const make = () =>
    onOwnConnection(config.core, onError, (connection) => {
      const worker = eventsWorker(config.core, connection, w);
      worker.on('error', (err) => on.log.warn({ err }, 'queue worker error'));
      worker.on('stalled', on.onStalled);
      worker.on('failed', on.onFailed);
      worker
        .startStalledCheckTimer()
        .catch((err: unknown) => on.log.warn({ err }, 'starting the stalled-job check failed'));
      return worker;
    });
  return new ConsumerWatchdog({
    make,
    waiting: () => queue.getWaitingCount(),
    ...stallTiming(w.stallRestartMs),
    onRestart: ({ idleMs, waiting }) => {
      on.onRestart();
      on.log.warn({ idleMs, waiting }, 'events jobs waited with no progress: queue consumer replaced');
    },
  });
}

function writerPool(config: Config, log: Logger): Pool {
  return createPool({
    databaseUrl: config.core.databaseUrl,
    applicationName: 'beacon-writer',
    // One connection per batch in flight, one for upkeep, one for readiness.
    max: Math.min(config.core.databasePoolMax, config.writer.concurrency + 2),
    statementTimeoutMs: config.core.databaseStatementTimeoutMs,
    logger: log,
  });
}

function loaderOptions(config: Config, onJobFailed: () => void): LoaderOptions {
  const w = config.writer;
  return {
    batchMaxRows: w.batchMaxRows,
    batchMaxWaitMs: w.batchMaxWaitMs,
    concurrency: w.concurrency,
    lockDurationMs: w.lockDurationMs,
    retryBaseMs: w.retryBaseMs,
    retryMaxMs: w.retryMaxMs,
    rollups: config.rollups.write,
    profile: config.core.databaseProfile,
    onJobFailed,
  };
}

function upkeepOptions(config: Config, now = () => new Date()): UpkeepOptions {
  return {
    monthsAhead: config.storage.partitionMonthsAhead,
    partitionIntervalMs: config.writer.partitionUpkeepIntervalMs,
    retentionIntervalMs: config.writer.retentionIntervalMs,
    retentionDefaultMonths: config.storage.retentionMonthsDefault,
    retentionDeleteBatch: config.storage.retentionDeleteBatch,
    auditLogDays: config.dataRights.auditLogRetentionDays,
    ingestHealthDays: config.intake.healthRetentionDays,
    now,
  };
}

/** Ready only while the loader reaches PostgreSQL and Redis (not backing off). */
function loaderCheck(loader: Loader): ReadinessCheck {
  return {
    name: 'loader',
    check: async () => ({ ok: loader.healthy, detail: loader.healthy ? 'writing' : 'backing off' }),
  };
}

/** Lets batches in flight commit and complete their jobs within WRITER_SHUTDOWN_TIMEOUT_MS. */
async function finishBatches(loader: Loader, timeoutMs: number, log: Logger): Promise<void> {
  const { finished } = await loader.close(timeoutMs);
  if (!finished)
    log.warn('batches still in flight at shutdown; their jobs return to the queue when their locks expire');
}
