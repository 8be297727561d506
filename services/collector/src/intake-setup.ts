import type { Queue } from 'bullmq';
import { trustProxyFor, type Config, type TrustProxyValue } from '@beacon/config';
import type { Pool } from '@beacon/db';
import type { Logger } from '@beacon/observability';
import type { RedisClient } from '@beacon/queue';
import { createHitSchema, type RawJob } from '@beacon/schema';
import type { ExtraHitRoute } from './app.js';
import { MicroBatcher } from './enqueue.js';
import { CollectorHealth } from './health.js';
import { IngestAuth } from './ingest-auth.js';
import { createIntake, type Intake } from './intake.js';
import { intakeRoutes } from './intake-routes.js';
import type { CollectorMetrics } from '@beacon/observability';
import { createServerIntake } from './server-intake.js';
import { createSiteSettings, type SiteSettings } from './site-settings.js';
import { SiteCache } from './sites.js';
import { TrackerAssets } from './tracker.js';

export interface IntakeSetupDeps {
  config: Config;
  pool: Pool;
  redis: RedisClient;
  queue: Queue<RawJob>;
  metrics: CollectorMetrics;
  logger: Logger;
  /** The tracker build when COLLECTOR_TRACKER_DIR is empty (handed in by `beacon serve`). */
  trackerDir?: string | undefined;
}

/** The collector's hit path, built from config: what the app serves and what close() must drain. */
export interface IntakeSetup {
  trustProxy: TrustProxyValue;
  intake: Intake;
  siteSettings: SiteSettings;
  assets: TrackerAssets;
  extraHitRoutes: ExtraHitRoute[];
  /** The micro-batch (drained on close), the health counts (flushed on close), the site cache. */
  batcher: MicroBatcher;
  health: CollectorHealth;
  sites: SiteCache;
}

/** Wires the hit path: site cache, hit schema, micro-batcher, ingestion health, the tracker's and other intakes. */
export function setUpIntake(d: IntakeSetupDeps): IntakeSetup {
  const { config, pool, metrics } = d;
  const c = config.collector;
  const batcher = new MicroBatcher(d.queue, d.redis, batcherOptions(c), metrics, d.logger);
  const sites = new SiteCache(pool, c.siteCacheTtlMs, c.siteCacheMax);
  const schema = createHitSchema({
    textMax: c.textMax,
    jsonMaxDepth: c.jsonMaxDepth,
    jsonMaxKeys: c.jsonMaxKeys,
    jsonStringMax: c.jsonStringMax,
  });
  const health = new CollectorHealth(pool, config.intake.healthFlushMs, d.logger);
  const limits = {
    maxHitBytes: c.maxHitBytes,
    maxBatchBytes: c.maxBatchBytes,
    maxBatchEvents: c.maxBatchEvents,
  };
  const serverIntake = createServerIntake({
    sites,
    batcher,
    schema,
    metrics,
    health,
    maxPastMs: config.intake.serverMaxPastS * 1000,
  });
  return {
    trustProxy: trustProxyFor(config, 'collector'),
    intake: createIntake({ sites, batcher, schema, metrics, health, limits }),
    siteSettings: createSiteSettings(sites),
    assets: new TrackerAssets(c.trackerDir || d.trackerDir || ''),
    extraHitRoutes: intakeRoutes(config.intake, {
      auth: IngestAuth.create(pool, d.redis, config),
      intake: serverIntake,
      pool,
      limits,
      siteCacheTtlMs: c.siteCacheTtlMs,
    }),
    batcher,
    health,
    sites,
  };
}

function batcherOptions(c: Config['collector']) {
  return {
    waitMs: c.batchWaitMs,
    maxHits: c.batchMaxHits,
    concurrency: c.batchConcurrency,
    maxPendingHits: c.maxPendingHits,
    timeoutMs: c.enqueueTimeoutMs,
    queueMaxJobs: c.queueMaxJobs,
    checkMs: c.queueCheckMs,
  };
}
