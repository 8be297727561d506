import { createServer, type Server } from 'node:http';
import type { Config } from '@beacon/config';
import { createPool, type Pool } from '@beacon/db';
import {
  closeSequence,
  closeServer,
  listenWithOps,
  serviceObservability,
  storeChecks,
  type Logger,
  type ObservabilityOverrides,
  type OpsEndpoints,
} from '@beacon/observability';
import {
  connectRedis,
  openHitsQueue,
  QUEUE_HITS,
  queueDepthGauge,
  queuePrefixFor,
  type RedisClient,
} from '@beacon/queue';
import type { Registry } from 'prom-client';
import { createApp } from './app.js';
import { setUpIntake } from './intake-setup.js';
import { assertDistinctPaths } from './route-paths.js';
import type { SiteCache } from './sites.js';

/** How long start-up waits for the first Redis connection before listening anyway. */
const REDIS_STARTUP_WAIT_MS = 3_000;
export { createApp } from './app.js';
export { MicroBatcher } from './enqueue.js';
export { UnavailableError } from './errors.js';
export { SiteCache, originAllowed } from './sites.js';
export { uuidv7 } from './uuid7.js';
export { TRACKER_FILE_NAMES } from './tracker.js';

export interface CollectorOverrides extends ObservabilityOverrides {
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
  assertDistinctPaths(config); // before any connection: a refused configuration starts nothing
  const { logger, registry, metrics } = serviceObservability('collector', config, overrides);
  const c = config.collector;
  const pool: Pool = createPool({
    databaseUrl: config.core.databaseUrl,
    applicationName: 'beacon-collector',
    max: c.databasePoolMax,
    statementTimeoutMs: 5_000,
    logger,
  });
  const redis = producerRedis(config, logger);
  const queue = openHitsQueue(config.core, redis);
  queueDepthGauge(registry, [queue]);
  const intake = setUpIntake({
    config,
    pool,
    redis,
    queue,
    metrics,
    logger,
    trackerDir: overrides.trackerDir,
  });
  let accepting = true;
  const ops: OpsEndpoints = {
    registry,
    checks: storeChecks(pool, redis),
    accepting: () => accepting,
  };
  const app = createApp({ ...intake, config: c, metrics, logger, ops });
  await redisOrTimeout(redis);
  const server = createServer(app);
  // Slow or stalled clients must not hold sockets for long: hits are small.
  server.requestTimeout = 30_000;
  server.headersTimeout = 15_000;
  const { port, opsServer } = await listenWithOps(server, ops, {
    host: overrides.host ?? c.host,
    port: c.port,
    opsPort: c.opsPort,
    portOverride: overrides.port,
    opsPortOverride: overrides.opsPort,
  });
  const opsPort = opsServer.port;
  logger.info(
    { port, opsPort, queue: QUEUE_HITS, prefix: queuePrefixFor(config.core, QUEUE_HITS) },
    'collector listening',
  );
  const close = closeSequence(logger, [
    ['stop accepting', () => (accepting = false)],
    // Requests in flight finish (their hits join the last micro-batch) within the deadline.
    ['server', () => closeServer(server, c.shutdownTimeoutMs)],
    ['ops server', () => opsServer.close()],
    ['micro-batch', () => intake.batcher.drain()],
    ['ingestion health', () => intake.health.close()],
    ['queue', () => queue.close().catch(() => undefined)],
    ['redis', () => redis.disconnect()],
    ['pool', () => pool.end().catch(() => undefined)],
    ['log', () => logger.info('collector closed')],
  ]);
  return { port, opsPort, server, registry, sites: intake.sites, close };
}

/**
 * The producer's Redis connection. A command that never returns (Redis stalled) is failed eventually,
 * so in-flight adds always settle and the stalled state (503 at once) ends when Redis answers again.
 */
function producerRedis(config: Config, logger: Logger): RedisClient {
  const redis = connectRedis(config.core, 'producer', {
    commandTimeout: Math.max(5_000, config.collector.enqueueTimeoutMs * 5),
  });
  let logged = 0;
  redis.on('error', (err: Error) => {
    // ioredis reports every failed reconnect; one line per 10 s is enough.
    if (Date.now() - logged > 10_000) {
      logged = Date.now();
      logger.warn({ err }, 'Redis connection error; hits are answered 503 until it returns');
    }
  });
  return redis;
}

/**
 * Gives Redis a moment to connect before the first request: with no offline queue, a hit arriving
 * before the connection is up would be answered 503. Redis down at start-up still lets the collector
 * start (answering 503 until Redis returns) after this short wait.
 */
async function redisOrTimeout(redis: RedisClient): Promise<void> {
  if (redis.status === 'ready') return;
  await new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, REDIS_STARTUP_WAIT_MS);
    redis.once('ready', () => {
      clearTimeout(timer);
      resolve();
    });
  });
}
