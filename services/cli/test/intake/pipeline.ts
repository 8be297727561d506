/**
 * The ingestion pipeline in one process for the intake tests, all real: collector, enricher and writer
 * (their start functions), the machine's PostgreSQL (a throwaway database) and Redis (a unique BullMQ
 * prefix). Geo data is off (ENRICHER_DEFAULT_GEO=false) to keep the enricher small; everything else is
 * the production code path.
 */
import { createHash, randomBytes } from 'node:crypto';
import { Queue } from 'bullmq';
import bcrypt from 'bcryptjs';
import { startCollector, type CollectorHandle } from '@beacon/collector';
import { parseConfig, type Config } from '@beacon/config';
import { adminSql } from '@beacon/db';
import { startEnricher, type EnricherHandle } from '@beacon/enricher';
import { createLogger } from '@beacon/observability';
import { createRedis } from '@beacon/queue';
import { QUEUE_EVENTS, QUEUE_HITS } from '@beacon/schema';
import {
  collectorTestEnv,
  createTestDatabase,
  REDIS_URL,
  uniquePrefix,
  waitFor,
  type TestDatabase,
} from '@beacon/testkit';
import { startWriter, type WriterHandle } from '@beacon/writer';

export interface Pipeline {
  db: TestDatabase;
  config: Config;
  /** Base URL of the collector. */
  url: string;
  agencyId: string;
  /** The agency's API key in clear. */
  apiKey: string;
  collector: CollectorHandle;
  /** Creates a site of the agency (or of `agencyId`); returns its script_id. */
  addSite(domain: string, config?: Record<string, unknown>, agencyId?: string): Promise<string>;
  /** Creates another agency in the same database; returns its id and API key in clear. */
  addAgency(name: string): Promise<{ agencyId: string; apiKey: string }>;
  /** A site ingest token stored as the API stores it (sha256); returns the clear token. */
  addToken(scriptId: string): Promise<string>;
  /** Waits until both queues are empty and the services have written their health counts. */
  settle(): Promise<void>;
  close(): Promise<void>;
}

async function startPipeline(env: Record<string, string> = {}): Promise<Pipeline> {
  const db = await createTestDatabase();
  const prefix = uniquePrefix('intake');
  const { agencyId, apiKey } = await insertAgency(db, 'Intake agency');
  const config = parseConfig({
    ...collectorTestEnv(db.url, prefix),
    COLLECTOR_SITE_CACHE_TTL_MS: '100',
    ENRICHER_DEFAULT_GEO: 'false',
    ENRICHER_DATA_WATCH_INTERVAL_MS: '0',
    ENRICHER_SITE_CACHE_TTL_MS: '100',
    INGEST_HEALTH_FLUSH_MS: '200',
    INTAKE_TOKEN_CACHE_TTL_MS: '100',
    WRITER_BATCH_MAX_WAIT_MS: '50',
    ...env,
  });
  const silent = (name: string) => createLogger(name, 'silent');
  const writer: WriterHandle = await startWriter(config, { logger: silent('writer'), metricsPort: null });
  const enricher: EnricherHandle = await startEnricher(config, {
    logger: silent('enricher'),
    metricsPort: null,
  });
  const collector = await startCollector(config, { logger: silent('collector'), port: 0, host: '127.0.0.1' });
  const redis = createRedis(REDIS_URL, 'worker');
  const queues = [QUEUE_HITS, QUEUE_EVENTS].map((q) => new Queue(q, { connection: redis, prefix }));

  return {
    db,
    config,
    url: `http://127.0.0.1:${collector.port}`,
    agencyId,
    apiKey,
    collector,
    addAgency: (name) => insertAgency(db, name),
    async addSite(domain, siteConfig = {}, owner = agencyId) {
      const scriptId = `s${randomBytes(6).toString('hex')}`;
      await db.pool.query(adminSql.insertSite, [
        owner,
        domain,
        domain,
        scriptId,
        JSON.stringify(siteConfig),
        null,
      ]);
      return scriptId;
    },
    async addToken(scriptId) {
      const token = `bit_${randomBytes(32).toString('base64url')}`;
      await db.pool.query(
        `INSERT INTO site_ingest_tokens (site_id, name, token_hash, token_prefix)
         SELECT id, 'test', $2, left($3, 12) FROM sites WHERE script_id = $1`,
        [scriptId, createHash('sha256').update(token).digest('hex'), token],
      );
      return token;
    },
    async settle() {
      await waitFor(
        'the queues to drain',
        async () => {
          for (const q of queues) {
            const c = await q.getJobCounts('waiting', 'active', 'delayed', 'prioritized');
            if (Object.values(c).some((n) => n > 0)) return false;
          }
          return true;
        },
        { timeoutMs: 20_000, intervalMs: 100 },
      );
      // One flush interval of the collector and enricher health counts, plus margin.
      await new Promise((r) => setTimeout(r, 600));
    },
    async close() {
      await collector.close();
      await enricher.close();
      await writer.close();
      for (const q of queues) {
        await q.obliterate({ force: true }).catch(() => undefined);
        await q.close();
      }
      const keys = await redis.keys(`${prefix}:*`);
      if (keys.length) await redis.del(...keys);
      redis.disconnect();
      await db.drop();
    },
  };
}

/**
 * Registers the hooks of an intake test file: before its tests, the pipeline (with `env`) and `prepare`
 * (the sites, tokens and such the tests read); after them, the pipeline closed. Answers the pipeline
 * together with what `prepare` answered, filled in by the time the file's tests run. Call it at the top
 * level of the file; jest runs afterAll hooks in the order they were registered, so what must close
 * before the pipeline (an API or a browser started in `prepare`) goes in an afterAll registered first.
 */
export function usePipeline<T extends object>(
  prepare: (pipe: Pipeline) => Promise<T>,
  env: Record<string, string> = {},
): Pipeline & T {
  const w = {} as Pipeline & T;
  let pipe: Pipeline | undefined;
  beforeAll(async () => {
    pipe = await startPipeline(env);
    Object.assign(w, pipe, await prepare(pipe));
  }, 60_000);
  afterAll(async () => {
    await pipe?.close();
  }, 60_000);
  return w;
}

/** An agency with an API key stored as the API stores it (bcrypt); returns the key in clear. */
async function insertAgency(db: TestDatabase, name: string) {
  const secret = randomBytes(16).toString('hex');
  const keyPrefix = `bk_${randomBytes(4).toString('hex')}`;
  const apiKey = `${keyPrefix}_${secret}`;
  const { rows } = await db.pool.query(adminSql.insertAgency, [
    name,
    `intake-${secret}@example.com`,
    await bcrypt.hash(apiKey, 4),
    keyPrefix,
    null,
  ]);
  return { agencyId: rows[0].id as string, apiKey };
}

/** ingestion_health of a site as {"outcome/reason": count}. */
export async function healthOf(db: TestDatabase, scriptId: string): Promise<Record<string, number>> {
  const { rows } = await db.pool.query<{ outcome: string; reason: string; n: string }>(
    `SELECT outcome, reason, sum(count)::bigint AS n FROM ingestion_health WHERE site_id = $1 GROUP BY 1, 2`,
    [scriptId],
  );
  return Object.fromEntries(
    rows.map((r) => [r.reason ? `${r.outcome}/${r.reason}` : r.outcome, Number(r.n)]),
  );
}
