import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Queue } from 'bullmq';
import { trustProxyFor, type Config } from '@beacon/config';
import { createPool, type Pool } from '@beacon/db';
import {
  createLogger,
  createRegistry,
  startOpsServer,
  type Logger,
  type OpsEndpoints,
  type ReadinessCheck,
} from '@beacon/observability';
import { connectRedis, queuePrefixFor, type RedisClient } from '@beacon/queue';
import { createHitSchema, QUEUE_HITS } from '@beacon/schema';
import type { Registry } from 'prom-client';
import { createApp } from './app.js';
import { MicroBatcher } from './enqueue.js';
import { CollectorHealth } from './health.js';
import { IngestAuth } from './ingest-auth.js';
import { createIntake } from './intake.js';
import { intakeRoutes } from './intake-routes.js';
import { createServerIntake } from './server-intake.js';
import { createCollectorMetrics } from './metrics.js';
import { SiteCache } from './sites.js';
import { createSiteSettings } from './site-settings.js';
import { TrackerAssets } from './tracker.js';

/** How long start-up waits for the first Redis connection before listening anyway. */
const REDIS_STARTUP_WAIT_MS = 3_000;
export { createApp } from './app.js';
export { MicroBatcher, RAW_JOB_OPTIONS } from './enqueue.js';
export { HttpError, UnavailableError } from './errors.js';
export { SiteCache, originAllowed } from './sites.js';
export { uuidv7 } from './uuid7.js';
export { TRACKER_FILE_NAMES } from './tracker.js';

export interface CollectorOverrides {
  logger?: Logger;
  registry?: Registry;
  /** Listen port/host instead of config (tests pass port 0). */
  port?: number;
  host?: string;
  /**
   * Port of the internal ops server (/metrics, detailed /readyz); 0 = ephemeral; null = none. Default:
   * COLLECTOR_OPS_PORT, or ephemeral when the collector's port is configured or given as 0 (tests).
   */
  opsPort?: number | null;
  /**
   * Directory of the built tracker scripts when COLLECTOR_TRACKER_DIR is empty: `beacon serve` passes
   * the @beacon-analytics/tracker build here (the collector itself does not depend on the tracker).
   */
  trackerDir?: string;
}

export interface CollectorHandle {
  readonly port: number;
  /** Port of the internal /metrics and detailed /readyz (null when started without one). */
  readonly opsPort: number | null;
  readonly server: Server;
  readonly registry: Registry;
  /** The site cache (tests clear it to see a status change at once). */
  readonly sites: SiteCache;
  /** Stops accepting, finishes requests in flight, flushes the micro-batch to Redis, closes connections. */
  close(): Promise<void>;
}

/** Starts the collector: HTTP intake of hits, the tracker script, /metrics /healthz /readyz on one port. */
export async function startCollector(
  config: Config,
  overrides: CollectorOverrides = {},
): Promise<CollectorHandle> {
  const c = config.collector;
  const logger = overrides.logger ?? createLogger('collector', config.core.logLevel);
  const registry = overrides.registry ?? createRegistry('collector');
  const metrics = createCollectorMetrics(registry);
  const pool: Pool = createPool({
    databaseUrl: config.core.databaseUrl,
    applicationName: 'beacon-collector',
    max: c.databasePoolMax,
    statementTimeoutMs: 5_000,
    logger,
  });
  // A command that never returns (Redis stalled) is failed eventually, so in-flight adds always settle
  // and the stalled state (503 at once) ends when Redis answers again.
  const redis: RedisClient = connectRedis(config.core, 'producer', {
    commandTimeout: Math.max(5_000, c.enqueueTimeoutMs * 5),
  });
  let redisErrorLogged = 0;
  redis.on('error', (err: Error) => {
    // ioredis reports every failed reconnect; one line per 10 s is enough.
    if (Date.now() - redisErrorLogged > 10_000) {
      redisErrorLogged = Date.now();
      logger.warn({ err: err.message }, 'Redis connection error; hits are answered 503 until it returns');
    }
  });
  const prefix = queuePrefixFor(config.core, QUEUE_HITS);
  const queue = new Queue(QUEUE_HITS, { connection: redis, prefix });
  queue.on('error', (err: Error) => logger.debug({ err: err.message }, 'hits queue error'));

  const batcher = new MicroBatcher(
    queue,
    redis,
    {
      waitMs: c.batchWaitMs,
      maxHits: c.batchMaxHits,
      concurrency: c.batchConcurrency,
      maxPendingHits: c.maxPendingHits,
      timeoutMs: c.enqueueTimeoutMs,
      queueMaxJobs: c.queueMaxJobs,
      checkMs: c.queueCheckMs,
    },
    metrics,
    logger,
  );
  const sites = new SiteCache(pool, c.siteCacheTtlMs, c.siteCacheMax);
  const schema = createHitSchema({
    textMax: c.textMax,
    jsonMaxDepth: c.jsonMaxDepth,
    jsonMaxKeys: c.jsonMaxKeys,
    jsonStringMax: c.jsonStringMax,
  });
  const health = new CollectorHealth(pool, config.intake.healthFlushMs, logger);
  const limits = {
    maxHitBytes: c.maxHitBytes,
    maxBatchBytes: c.maxBatchBytes,
    maxBatchEvents: c.maxBatchEvents,
  };
  const intake = createIntake({
    sites,
    batcher,
    schema,
    metrics,
    health,
    limits: { maxHitBytes: c.maxHitBytes, maxBatchBytes: c.maxBatchBytes, maxBatchEvents: c.maxBatchEvents },
  });

  let accepting = true;
  const checks: ReadinessCheck[] = [
    { name: 'redis', check: async () => void (await redis.ping()) },
    { name: 'postgres', check: async () => void (await pool.query('SELECT 1')) },
  ];
  const ops: OpsEndpoints = { registry, checks, accepting: () => accepting };
  const app = createApp({
    config: c,
    trustProxy: trustProxyFor(config, 'collector'),
    intake,
    siteSettings: createSiteSettings(sites),
    assets: new TrackerAssets(c.trackerDir || overrides.trackerDir || ''),
    metrics,
    logger,
    ops,
    extraHitRoutes: intakeRoutes(config.intake, {
      auth: new IngestAuth(pool, config.intake.tokenCacheTtlMs),
      intake: createServerIntake({
        sites,
        batcher,
        schema,
        metrics,
        health,
        maxPastMs: config.intake.serverMaxPastS * 1000,
      }),
      pool,
      limits,
      siteCacheTtlMs: c.siteCacheTtlMs,
    }),
  });

  // Give Redis a moment to connect before the first request: with no offline queue, a hit arriving
  // before the connection is up would be answered 503. Redis down at start-up still lets the collector
  // start (answering 503 until Redis returns) after this short wait.
  if (redis.status !== 'ready') {
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, REDIS_STARTUP_WAIT_MS);
      redis.once('ready', () => {
        clearTimeout(timer);
        resolve();
      });
    });
  }
  const server = app.listen(overrides.port ?? c.port, overrides.host ?? c.host);
  await new Promise<void>((resolve, reject) => {
    server.once('listening', resolve);
    server.once('error', reject);
  });
  // Slow or stalled clients must not hold sockets for long: hits are small.
  server.requestTimeout = 30_000;
  server.headersTimeout = 15_000;
  const port = (server.address() as AddressInfo).port;
  const ephemeral = c.port === 0 || overrides.port === 0;
  const wantedOps = overrides.opsPort !== undefined ? overrides.opsPort : ephemeral ? 0 : c.opsPort;
  let opsServer: Server | null = null;
  try {
    if (wantedOps !== null) opsServer = await startOpsServer(ops, wantedOps, overrides.host ?? c.host);
  } catch (err) {
    server.close();
    throw err;
  }
  const opsPort = opsServer ? (opsServer.address() as AddressInfo).port : null;
  logger.info({ port, opsPort, queue: QUEUE_HITS, prefix }, 'collector listening');

  let closing: Promise<void> | undefined;
  const close = () =>
    (closing ??= (async () => {
      accepting = false;
      const deadline = setTimeout(() => server.closeAllConnections(), c.shutdownTimeoutMs);
      deadline.unref();
      // Stop accepting; requests in flight finish (their hits join the last micro-batch).
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      await closed;
      clearTimeout(deadline);
      if (opsServer) {
        const opsClosed = new Promise<void>((resolve) => opsServer.close(() => resolve()));
        opsServer.closeAllConnections();
        await opsClosed;
      }
      await batcher.drain();
      await health.close();
      await queue.close().catch(() => undefined);
      redis.disconnect();
      await pool.end().catch(() => undefined);
      logger.info('collector closed');
    })());

  return { port, opsPort, server, registry, sites, close };
}
