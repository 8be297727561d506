import type { Server } from 'node:http';
import { Queue, UnrecoverableError, Worker, type Job } from 'bullmq';
import type { Config } from '@beacon/config';
import { createPool, HealthTally, receiptHour, type Pool } from '@beacon/db';
import {
  createLogger,
  createRegistry,
  startOpsServer,
  type Logger,
  type ReadinessCheck,
} from '@beacon/observability';
import {
  connectRedis,
  FailedJobSweeper,
  QUEUE_EVENTS,
  QUEUE_HITS,
  queuePrefixFor,
  type RedisClient,
} from '@beacon/queue';
import type { Registry } from 'prom-client';
import { claimEventIds } from './dedupe.js';
import { CookielessIds } from './cookieless.js';
import { createDeviceParser, type DeviceParser } from './device.js';
import { enrichHits, eventsJobId, InvalidJobError, toEnrichedJob } from './enrich.js';
import { enricherMetrics } from './metrics.js';
import { createNetworkLookup, type NetworkLookup } from './network/lookup.js';
import type { DropReason, EventRow, Step } from './pipeline.js';
import { SiteCache } from './sites.js';
import { startAttribution, type AttributionRuntime, type CompanyRowLike } from './attribution/runtime.js';
import { recordFailedRawJob, writeDead } from './dead-letters.js';
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
export * from './pipeline.js';

export interface EnricherOverrides {
  logger?: Logger;
  registry?: Registry;
  /** A pool to use (and not close); otherwise one is created from config.core. */
  pool?: Pool;
  /** Shared lookups (tests and the benchmark reuse one across workers: the default geo data is ~140 MB). */
  network?: NetworkLookup;
  device?: DeviceParser;
  /** Port of /metrics /healthz /readyz; 0 = ephemeral (tests); null = no ops server. */
  metricsPort?: number | null;
  /** Replaces the step list. */
  steps?: (deps: StepDeps) => Step[];
}

/** Cumulative time of the per-job phases around the steps (benchmark figures). */
export interface PhaseTotals {
  jobs: number;
  hits: number;
  enrichMs: number;
  dedupeMs: number;
  companiesMs: number;
  deadLettersMs: number;
  eventsAddMs: number;
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

/**
 * One hit in 8 has its steps timed for beacon_enricher_step_duration_seconds: enough samples for the
 * histogram at any real rate, for an eighth of the timing cost.
 */
const STEP_TIMING_SAMPLE = 8;

/** How often failed raw jobs are looked for besides the worker's own 'failed' events (another replica's stalled check fails jobs too). */
const FAILED_SWEEP_INTERVAL_MS = 30_000;

export async function startEnricher(
  config: Config,
  overrides: EnricherOverrides = {},
): Promise<EnricherHandle> {
  const c = config.enricher;
  const logger = overrides.logger ?? createLogger('enricher', config.core.logLevel);
  const registry = overrides.registry ?? createRegistry('enricher');
  const metrics = enricherMetrics(registry);
  const ownPool = !overrides.pool;
  const pool =
    overrides.pool ??
    createPool({
      databaseUrl: config.core.databaseUrl,
      applicationName: 'beacon-enricher',
      max: Math.min(config.core.databasePoolMax, 5),
      statementTimeoutMs: config.core.databaseStatementTimeoutMs,
      logger,
    });

  const started = performance.now();
  const ownNetwork = !overrides.network;
  const network =
    overrides.network ??
    createNetworkLookup({
      cityDb: c.geoipCityDb,
      asnDb: c.geoipAsnDb,
      ispDb: c.geoipIspDb,
      anonymousIpDb: c.geoipAnonymousIpDb,
      enterpriseDb: c.geoipEnterpriseDb,
      domainDb: c.geoipDomainDb,
      defaultGeo: c.defaultGeo,
      defaultAsn: c.defaultAsn,
      listsDir: c.networkListsDir,
      watchIntervalMs: c.dataWatchIntervalMs,
      ipCacheSize: c.ipCacheSize,
      logger,
    });
  const device = overrides.device ?? createDeviceParser(c.uaCacheSize);
  const attribution: AttributionRuntime = await startAttribution(config.attribution, pool, logger, (result) =>
    metrics.cache.labels('companies', result).inc(),
  );
  // On a Redis Cluster each queue has its own hash tag; the dedupe claims and the cookieless salts and
  // sessions live in the hits queue's slot (one script per job stays valid).
  const prefix = queuePrefixFor(config.core, QUEUE_HITS);
  const redis: RedisClient = connectRedis(config.core, 'worker');
  const cookieless = new CookielessIds(redis, prefix);
  const steps = (overrides.steps ?? buildSteps)({
    device,
    network,
    attribution: attribution.deps,
    cookieless,
  });
  const sources = network.sources();
  for (const s of sources) {
    if (s.state === 'not_configured') continue;
    metrics.dataSources.labels(s.name).set(s.state === 'loaded' ? 1 : 0);
    if (s.state === 'loaded')
      logger.info({ source: s.name, path: s.path, loadMs: s.loadMs, info: s.info }, 'data source loaded');
    else
      logger.warn(
        { source: s.name, path: s.path, state: s.state, error: s.error },
        'data source unavailable: its fields stay null',
      );
  }
  const notConfigured = sources.filter((s) => s.state === 'not_configured').map((s) => s.name);
  logger.info(
    {
      notConfigured,
      loadMs: Math.round(performance.now() - started),
      rssMB: Math.round(process.memoryUsage().rss / 1e6),
    },
    'enricher data ready',
  );

  const sites = new SiteCache(pool, c.siteCacheTtlMs);
  const connection = connectRedis(config.core, 'worker');
  // Without listeners ioredis prints "Unhandled error event" on every failed reconnect; they reconnect
  // on their own, readiness reports Redis, and jobs are retried.
  connection.on('error', (err) => logger.debug({ err }, 'redis connection error (queue)'));
  redis.on('error', (err) => logger.debug({ err }, 'redis connection error (dedupe)'));
  const eventsQueue = new Queue(QUEUE_EVENTS, {
    connection,
    prefix: queuePrefixFor(config.core, QUEUE_EVENTS),
  });
  const hitsQueue = new Queue(QUEUE_HITS, { connection, prefix });
  eventsQueue.on('error', () => undefined);
  hitsQueue.on('error', () => undefined);

  const stepChildren = steps.map((s) => metrics.stepDuration.labels(s.name));
  const stepMs = new Float64Array(steps.length);
  const stepCount = new Float64Array(steps.length);
  const onStep = (i: number, ms: number) => {
    stepMs[i]! += ms;
    stepCount[i]! += 1;
    stepChildren[i]!.observe(ms / 1000);
  };
  // Deltas from now on (a shared device parser or network lookup may have counted before this worker).
  const last = { ua: { ...device.stats }, ip: { ...network.stats }, site: { hits: 0, misses: 0 } };
  const flushCacheStats = () => {
    for (const [name, s] of [
      ['ua', device.stats],
      ['ip', network.stats],
      ['site', sites.stats],
    ] as const) {
      const l = last[name];
      if (s.hits > l.hits) metrics.cache.labels(name, 'hit').inc(s.hits - l.hits);
      if (s.misses > l.misses) metrics.cache.labels(name, 'miss').inc(s.misses - l.misses);
      l.hits = s.hits;
      l.misses = s.misses;
    }
  };

  // ingestion_health: drops and dead letters of every job, written every INGEST_HEALTH_FLUSH_MS in one upsert.
  const health = new HealthTally();
  const flushHealth = () =>
    health
      .flush(pool)
      .catch((err: unknown) =>
        logger.warn({ err }, 'writing ingestion health failed; kept for the next flush'),
      );
  const healthTimer = setInterval(() => void flushHealth(), config.intake.healthFlushMs);
  healthTimer.unref();

  const phases: PhaseTotals = {
    jobs: 0,
    hits: 0,
    enrichMs: 0,
    dedupeMs: 0,
    companiesMs: 0,
    deadLettersMs: 0,
    eventsAddMs: 0,
  };

  async function processJob(job: Job): Promise<{ rows: number; dropped: number; dead: number }> {
    const t0 = performance.now();
    const jobId = String(job.id);
    // Client-retry dedupe needs only (site_id, event_id, hit id), all in the raw payload: the pipelined
    // claims go to Redis first and run there while this thread enriches the job.
    const claims = claimsOf(job.data);
    const claimed = claimEventIds(redis, prefix, c.dedupeTtlSeconds, claims);
    claimed.catch(() => undefined); // awaited below; never an unhandled rejection if enrichment throws first
    let out;
    try {
      await cookieless.refresh();
      out = await enrichHits(job.data, jobId, sites, steps, onStep, STEP_TIMING_SAMPLE);
      phases.enrichMs += performance.now() - t0;
    } catch (err) {
      if (err instanceof InvalidJobError) {
        logger.error({ jobId, err }, 'not a raw job: failed without retry');
        throw new UnrecoverableError(err.message);
      }
      throw err;
    }
    const dropped: Partial<Record<DropReason, number>> = { ...out.dropped };
    let t = performance.now();
    const keep = await claimed;
    phases.dedupeMs += performance.now() - t;
    const lost = new Set<string>();
    claims.forEach((cl, i) => {
      if (!keep[i]) lost.add(cl.hitId);
    });
    const rows: EventRow[] = [];
    let duplicates = 0;
    for (const k of out.kept) {
      if (k.eventId && lost.has(k.row.id as string)) {
        duplicates++;
        out.health.add(k.siteId, receiptHour(k.row.id), 'dropped', 'duplicate');
      } else rows.push(k.row);
    }
    if (duplicates) dropped.duplicate = (dropped.duplicate ?? 0) + duplicates;
    await cookieless.assignSessions(rows);

    t = performance.now();
    // The firms for the writer (neutral, or owned by the agency whose ranges named them), then
    // company_industry/employee_count/revenue from the site's agency's own facts and the neutral table.
    const agencyBySite = new Map(out.kept.map((k) => [k.siteId, k.agencyId]));
    const companies = rows.length
      ? await attribution.completeJob(rows as unknown as CompanyRowLike[], agencyBySite)
      : [];
    phases.companiesMs += performance.now() - t;
    t = performance.now();
    if (out.dead.length) await writeDead(pool, out.dead);
    phases.deadLettersMs += performance.now() - t;
    t = performance.now();
    if (rows.length) {
      await eventsQueue.add('events', toEnrichedJob(rows, companies), {
        jobId: eventsJobId(jobId),
        attempts: 10,
        backoff: { type: 'exponential', delay: 1_000 },
        // Removed once the writer has committed it: production Redis runs with noeviction, so completed
        // jobs kept "for a while" are memory that only grows with traffic. A retry of the raw job while
        // the events job still waits re-adds a job id BullMQ knows (ignored); a retry after completion
        // adds a new job whose rows the writer finds stored by primary key and skips (exactly once
        // does not depend on keeping completed jobs: services/writer/README.md "Exactly once").
        removeOnComplete: true,
        removeOnFail: false,
      });
    }
    phases.eventsAddMs += performance.now() - t;
    phases.jobs++;
    phases.hits += out.kept.length + out.dead.length;
    // Counted once the job's effects are durable (a failed attempt counts nothing; its retry will).
    health.restore(out.health.take());
    let droppedTotal = 0;
    for (const [reason, n] of Object.entries(dropped)) {
      metrics.dropped.labels(reason).inc(n);
      droppedTotal += n;
    }
    if (rows.length) metrics.events.labels('enriched').inc(rows.length);
    if (droppedTotal) metrics.events.labels('dropped').inc(droppedTotal);
    if (out.dead.length) {
      metrics.events.labels('dead').inc(out.dead.length);
      logger.warn({ jobId, dead: out.dead.length, first: out.dead[0]!.error }, 'hits sent to dead_events');
    }
    flushCacheStats();
    metrics.jobDuration.observe((performance.now() - t0) / 1000);
    return { rows: rows.length, dropped: droppedTotal, dead: out.dead.length };
  }

  // Jobs that fail for good (attempts used up, not a raw job, or back from a dead holder more than
  // ENRICHER_MAX_STALLED_COUNT times) go to dead_events with the reason, never stay in Redis unread.
  const sweeper = new FailedJobSweeper({
    queue: hitsQueue,
    redis,
    intervalMs: FAILED_SWEEP_INTERVAL_MS,
    record: (job) => recordFailedRawJob(pool, eventsQueue, job),
    onSwept: (job, dead) => {
      if (dead) metrics.events.labels('dead').inc(dead);
      logger.error(
        { jobId: job.id, dead, reason: job.failedReason },
        'raw job failed for good: its hits are in dead_events',
      );
    },
    onError: (err) => logger.warn({ err }, 'moving failed raw jobs to dead_events failed; will retry'),
  });

  const worker = new Worker(QUEUE_HITS, processJob, {
    connection,
    prefix,
    concurrency: c.concurrency,
    autorun: true,
    // Short locks, renewed by BullMQ every lockDuration/2 while a job runs, so a killed holder's jobs
    // come back within about lockDuration + stalledInterval (docs/operations.md).
    lockDuration: c.lockDurationMs,
    stalledInterval: c.stalledIntervalMs,
    maxStalledCount: c.maxStalledCount,
  });
  worker.on('failed', (job, err) => {
    logger.warn({ jobId: job?.id, attempts: job?.attemptsMade, err }, 'raw job failed');
    sweeper.trigger();
  });
  worker.on('error', (err) => logger.error({ err }, 'worker error'));
  sweeper.start();

  const queueTimer = setInterval(() => {
    // A data file that reloads (or fails to) shows here within one tick.
    for (const s of network.sources())
      if (s.state !== 'not_configured') metrics.dataSources.labels(s.name).set(s.state === 'loaded' ? 1 : 0);
    for (const [name, q] of [
      [QUEUE_HITS, hitsQueue],
      [QUEUE_EVENTS, eventsQueue],
    ] as const)
      q.getJobCounts('waiting', 'active', 'delayed', 'failed').then(
        (counts) => {
          for (const [state, n] of Object.entries(counts)) metrics.queueJobs.labels(name, state).set(n);
        },
        () => undefined,
      );
  }, 5_000);
  queueTimer.unref();

  let accepting = true;
  const checks: ReadinessCheck[] = [
    { name: 'postgres', check: async () => void (await pool.query('SELECT 1')) },
    {
      name: 'redis',
      check: async () => {
        await redis.ping();
      },
    },
    {
      name: 'data',
      optional: true,
      check: async () => {
        const list = network.sources();
        const bad = list.filter((s) => s.state === 'missing' || s.state === 'failed');
        return {
          ok: bad.length === 0,
          detail: { ...Object.fromEntries(list.map((s) => [s.name, s])), attribution: attribution.status() },
        };
      },
    },
  ];
  let server: Server | null = null;
  const port = overrides.metricsPort === undefined ? c.metricsPort : overrides.metricsPort;
  if (port !== null) server = await startOpsServer({ registry, checks, accepting: () => accepting }, port);
  const address = server?.address();
  const boundPort = address && typeof address === 'object' ? address.port : 0;
  logger.info(
    { port: boundPort, concurrency: c.concurrency, steps: steps.map((s) => s.name) },
    'enricher started',
  );

  let closing: Promise<void> | null = null;
  return {
    port: boundPort,
    registry,
    network,
    device,
    steps,
    stepTotals: () => steps.map((s, i) => ({ name: s.name, ms: stepMs[i]!, count: stepCount[i]! })),
    phaseTotals: () => ({ ...phases }),
    close() {
      closing ??= (async () => {
        accepting = false;
        clearInterval(queueTimer);
        let timer: NodeJS.Timeout | undefined;
        await Promise.race([
          worker.close(),
          new Promise<void>((resolve) => {
            timer = setTimeout(() => {
              logger.warn('active jobs did not finish in time; they will be retried');
              void worker.close(true);
              resolve();
            }, CLOSE_DEADLINE_MS);
          }),
        ]);
        clearTimeout(timer);
        clearInterval(healthTimer);
        await flushHealth();
        await sweeper.close();
        await eventsQueue.close();
        await hitsQueue.close();
        await Promise.all([connection.quit().catch(() => undefined), redis.quit().catch(() => undefined)]);
        if (server) await new Promise<void>((r) => server!.close(() => r()));
        if (ownNetwork) network.close();
        attribution.close();
        if (ownPool) await pool.end();
        logger.info('enricher stopped');
      })();
      return closing;
    },
  };
}

/**
 * The dedupe claims of a raw payload: hits with a string event_id and a string id. A hit later dropped
 * (bot) or dead-lettered keeps its claim: a client retry of it is then counted as a duplicate, so the
 * event still has exactly one record.
 */
function claimsOf(data: unknown): { siteId: string; eventId: string; hitId: string }[] {
  const out: { siteId: string; eventId: string; hitId: string }[] = [];
  const requests = (data as { requests?: unknown })?.requests;
  if (!Array.isArray(requests)) return out;
  for (const r of requests as { site_id?: unknown; hits?: unknown }[]) {
    if (typeof r?.site_id !== 'string' || !Array.isArray(r.hits)) continue;
    for (const h of r.hits as { id?: unknown; event_id?: unknown }[]) {
      if (
        typeof h?.id === 'string' &&
        typeof h.event_id === 'string' &&
        h.event_id !== '' &&
        h.event_id.length <= 100
      )
        out.push({ siteId: r.site_id, eventId: h.event_id, hitId: h.id });
    }
  }
  return out;
}
