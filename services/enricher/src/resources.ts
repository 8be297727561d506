import type { Queue } from 'bullmq';
import type { Config } from '@beacon/config';
import { createPool, type Pool } from '@beacon/db';
import type { CloseStep, Logger } from '@beacon/observability';
import {
  connectRedis,
  openEventsQueue,
  openHitsQueue,
  QUEUE_HITS,
  queuePrefixFor,
  type RedisClient,
} from '@beacon/queue';
import type { EnrichedJob, RawJob } from '@beacon/schema';
import { startAttribution, type AttributionRuntime } from './attribution/runtime.js';
import { createDeviceParser, type DeviceParser } from './device.js';
import type { EnricherMetrics } from '@beacon/observability';
import { createNetworkLookup, type NetworkLookup } from './network/lookup.js';

/** What the caller may hand in instead (tests and the benchmark share them across workers). */
export interface SharedResources {
  /** A pool to use (and not close); otherwise one is created from config.core. */
  pool?: Pool;
  /** The default geo data is ~140 MB: one lookup for every worker of a test or a benchmark. */
  network?: NetworkLookup;
  device?: DeviceParser;
}

/** The enricher's connections and data, and how to release what it opened itself. */
export interface EnricherResources {
  pool: Pool;
  network: NetworkLookup;
  device: DeviceParser;
  attribution: AttributionRuntime;
  /** Dedupe claims and cookieless salts/sessions, in the hits queue's slot (`dedupePrefix`). */
  redis: RedisClient;
  dedupePrefix: string;
  /** The queues' own (blocking) connection. */
  connection: RedisClient;
  hitsQueue: Queue<RawJob>;
  eventsQueue: Queue<EnrichedJob>;
  /** Close steps of the queues, connections and data, after the worker has stopped. */
  closeSteps: CloseStep[];
}

export async function openResources(
  config: Config,
  shared: SharedResources,
  logger: Logger,
  metrics: EnricherMetrics,
): Promise<EnricherResources> {
  const c = config.enricher;
  const pool =
    shared.pool ??
    createPool({
      databaseUrl: config.core.databaseUrl,
      applicationName: 'beacon-enricher',
      max: Math.min(config.core.databasePoolMax, 5),
      statementTimeoutMs: config.core.databaseStatementTimeoutMs,
      logger,
    });
  const network = shared.network ?? createNetworkLookup({ ...networkFiles(c), logger });
  const device = shared.device ?? createDeviceParser(c.uaCacheSize);
  const attribution = await startAttribution(config.attribution, pool, logger, (result) =>
    metrics.cache.labels('companies', result).inc(),
  );
  const redis = connectRedis(config.core, 'worker');
  const connection = connectRedis(config.core, 'worker');
  // Without listeners ioredis prints "Unhandled error event" on every failed reconnect; they reconnect
  // on their own, readiness reports Redis, and jobs are retried.
  connection.on('error', (err) => logger.debug({ err }, 'redis connection error (queue)'));
  redis.on('error', (err) => logger.debug({ err }, 'redis connection error (dedupe)'));
  const hitsQueue = openHitsQueue(config.core, connection);
  const eventsQueue = openEventsQueue(config.core, connection);
  const closeSteps: CloseStep[] = [
    ['queues', () => Promise.all([eventsQueue.close(), hitsQueue.close()])],
    [
      'redis',
      () => Promise.all([connection.quit().catch(() => undefined), redis.quit().catch(() => undefined)]),
    ],
    ['network data', () => (shared.network ? undefined : network.close())],
    ['attribution', () => attribution.close()],
    ['pool', () => (shared.pool ? undefined : pool.end())],
  ];
  const dedupePrefix = queuePrefixFor(config.core, QUEUE_HITS);
  return {
    pool,
    network,
    device,
    attribution,
    redis,
    dedupePrefix,
    connection,
    hitsQueue,
    eventsQueue,
    closeSteps,
  };
}

/** The network lookup's files and caches (ENRICHER_* / GEOIP_* settings); the demo seeding uses it too. */
export function networkFiles(c: Config['enricher']) {
  return {
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
  };
}
