import type { Worker } from 'bullmq';
import type { Config } from '@beacon/config';
import type { Pool } from '@beacon/db';
import {
  closeSequence,
  serviceObservability,
  startOps,
  storeChecks,
  withinDeadline,
  type EnricherMetrics,
  type Logger,
  type ObservabilityOverrides,
} from '@beacon/observability';
import {
  ConsumerWatchdog,
  FailedJobSweeper,
  hitsWorker,
  onOwnConnection,
  queueDepthGauge,
  stallTiming,
} from '@beacon/queue';
import type { Registry } from 'prom-client';
import { CookielessIds } from './cookieless.js';
import { dataCheck, watchDataSources } from './data-sources.js';
import { recordFailedRawJob } from './dead-letters.js';
import type { DeviceParser } from './device.js';
import { createJobHandler } from './job-handler.js';
import { JobStats, type PhaseTotals } from './job-stats.js';
import type { NetworkLookup } from './network/lookup.js';
import type { Step } from './pipeline.js';
import { openResources, type EnricherResources, type SharedResources } from './resources.js';
export { networkFiles } from './resources.js';
import { SiteCache } from './sites.js';
import { buildSteps, type StepDeps } from './steps.js';

export { buildSteps, type StepDeps } from './steps.js';
export { createDeviceParser, parseDevice, type DeviceParser } from './device.js';
export { createNetworkLookup, type NetworkLookup, type NetworkOptions } from './network/lookup.js';
export { anonymizeIp } from './anonymize.js';
export { claimEventIds } from './dedupe.js';
export { CookielessIds, SALT_LIFETIME_MS, SESSION_GAP_MS } from './cookieless.js';
export { enrichHits, eventsJobId, PoisonHitError, InvalidJobError, toEnrichedJob } from './enrich.js';
export { SiteCache } from './sites.js';
export { startAttribution, type AttributionRuntime, type CompanyRowLike } from './attribution/runtime.js';
export type { PhaseTotals } from './job-stats.js';
// Referrer class and channel rules, for importers that map another tool's sources (services/cli).
export { referrerLists } from './attribution/runtime.js';
export { channelOf, classifyReferrer, type ReferrerLists } from './attribution/index.js';
export * from './pipeline.js';

export interface EnricherOverrides extends SharedResources, ObservabilityOverrides {
  /** Port of /metrics /healthz /readyz; 0 = ephemeral (tests); null = no ops server. */
  metricsPort?: number | null;
  /** Replaces the step list. */
  steps?: (deps: StepDeps) => Step[];
}

export interface EnricherHandle {
  /** Port of the ops server (0 when none). */
  readonly port: number;
  readonly registry: Registry;
  readonly network: NetworkLookup;
  readonly device: DeviceParser;
  readonly steps: readonly Step[];
  /** Cumulative ms and count per step, in step order (benchmark figures). */
  stepTotals(): { name: string; ms: number; count: number }[];
  phaseTotals(): PhaseTotals;
  /** Stops taking jobs, lets the active ones finish (bounded), closes connections. */
  close(): Promise<void>;
}

/**
 * Shutdown budget: Kubernetes' default grace period is 30 s; finishing active jobs within 20 s leaves
 * room for closing connections before SIGKILL. An unfinished job is simply retried by another worker
 * (its events job id is derived from the raw job id, so nothing doubles).
 */
const CLOSE_DEADLINE_MS = 20_000;

/** How often failed raw jobs are looked for besides the worker's own 'failed' events (another replica's stalled check fails jobs too). */
const FAILED_SWEEP_INTERVAL_MS = 30_000;

/** Starts the enricher: queue `hits` → enrichment → queue `events`, with its ops endpoints. */
export async function startEnricher(
  config: Config,
  overrides: EnricherOverrides = {},
): Promise<EnricherHandle> {
  const c = config.enricher;
  const { logger, registry, metrics } = serviceObservability('enricher', config, overrides);
  const startedAt = performance.now();
  const res = await openResources(config, overrides, logger, metrics);
  const { pool, network, device, attribution } = res;
  const cookieless = new CookielessIds(res.redis, res.dedupePrefix);
  const steps = (overrides.steps ?? buildSteps)({
    device,
    network,
    attribution: attribution.deps,
    cookieless,
  });
  const stopDataWatch = watchDataSources(network, metrics, logger, startedAt);
  const sites = new SiteCache(pool, c.siteCacheTtlMs);
  const stats = new JobStats(metrics, steps, { device, network, sites });
  const handler = createJobHandler({
    ...res,
    dedupeTtlSeconds: c.dedupeTtlSeconds,
    cookieless,
    sites,
    steps,
    stats,
    logger,
  });
  const sweeper = failedRawJobSweeper(res, metrics, logger);
  const consumer = watchedConsumer(config, res, handler, { metrics, logger, sweeper });
  sweeper.start();
  queueDepthGauge(registry, [res.hitsQueue, res.eventsQueue]);

  let accepting = true;
  const checks = [...storeChecks(pool, res.redis), dataCheck(network, attribution)];
  const port = overrides.metricsPort === undefined ? c.metricsPort : overrides.metricsPort;
  const opsServer = await startOps({ registry, checks, accepting: () => accepting }, port);
  logger.info(
    { port: opsServer.port ?? 0, concurrency: c.concurrency, steps: steps.map((s) => s.name) },
    'enricher started',
  );
  const close = closeSequence(logger, [
    ['stop taking jobs', () => ((accepting = false), stopDataWatch())],
    ['worker', () => consumer.close((worker) => closeWorker(worker, logger))],
    ['failed-job sweeper', () => sweeper.close()],
    ...res.closeSteps,
    ['ops server', () => opsServer.close()],
    ['log', () => logger.info('enricher stopped')],
  ]);
  return {
    port: opsServer.port ?? 0,
    registry,
    network,
    device,
    steps,
    stepTotals: () => stats.stepTotals(),
    phaseTotals: () => ({ ...stats.phases }),
    close,
  };
}

/**
 * The consumer of `hits`, replaced when raw jobs wait without progress (ENRICHER_STALL_RESTART_MS):
 * each incarnation has a connection of its own, so the new one does not inherit a hung socket.
 */
function watchedConsumer(
  config: Config,
  res: EnricherResources,
  handler: ReturnType<typeof createJobHandler>,
  deps: { metrics: EnricherMetrics; logger: Logger; sweeper: FailedJobSweeper },
): ConsumerWatchdog<Worker> {
  const { metrics, logger, sweeper } = deps;
  const c = config.enricher;
  const onError = (err: Error) => logger.debug({ err }, 'redis connection error (consumer)');
  const make = () =>
    onOwnConnection(config.core, onError, (connection) => {
      const worker = hitsWorker(config.core, connection, handler, c);
      worker.on('failed', (job, err) => {
        logger.warn({ jobId: job?.id, attempts: job?.attemptsMade, err }, 'raw job failed');
        sweeper.trigger();
      });
      worker.on('error', (err) => logger.error({ err }, 'worker error'));
      return worker;
    });
  return new ConsumerWatchdog({
    make,
    waiting: () => res.hitsQueue.getWaitingCount(),
    ...stallTiming(c.stallRestartMs),
    onRestart: ({ idleMs, waiting }) => {
      metrics.workerRestarts.inc();
      logger.warn({ idleMs, waiting }, 'raw jobs waited with no progress: queue consumer replaced');
    },
  });
}

/** Lets the active jobs finish within CLOSE_DEADLINE_MS; after that they are left to be retried. */
async function closeWorker(worker: Worker, logger: Logger): Promise<void> {
  await withinDeadline(worker.close(), CLOSE_DEADLINE_MS, () => {
    logger.warn('active jobs did not finish in time; they will be retried');
    void worker.close(true);
  });
}

/**
 * Jobs that fail for good (attempts used up, not a raw job, or back from a dead holder more than
 * ENRICHER_MAX_STALLED_COUNT times) go to dead_events with the reason, never stay in Redis unread.
 */
function failedRawJobSweeper(
  res: Pick<EnricherResources, 'hitsQueue' | 'eventsQueue' | 'redis'> & { pool: Pool },
  metrics: EnricherMetrics,
  logger: Logger,
): FailedJobSweeper {
  return new FailedJobSweeper({
    queue: res.hitsQueue,
    redis: res.redis,
    intervalMs: FAILED_SWEEP_INTERVAL_MS,
    record: (job) => recordFailedRawJob(res.pool, res.eventsQueue, job),
    onSwept: (job, dead) => {
      if (dead) metrics.events.labels('dead').inc(dead);
      logger.error(
        { jobId: job.id, dead, reason: job.failedReason },
        'raw job failed for good: its hits are in dead_events',
      );
    },
    onError: (err) => logger.warn({ err }, 'moving failed raw jobs to dead_events failed; will retry'),
  });
}
