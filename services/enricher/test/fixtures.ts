import { Queue } from 'bullmq';
import { parseConfig, type Config } from '@beacon/config';
import { createLogger } from '@beacon/observability';
import { createRedis, type Redis } from '@beacon/queue';
import type { Pool } from '@beacon/db';
import { createTestDatabase, fixturePath, REDIS_URL, uniquePrefix, type TestDatabase } from '@beacon/testkit';
import { startEnricher, type EnricherHandle } from '../src/index.js';
import type { MaxmindOrgRecord, NetworkInfo } from '../src/pipeline.js';

/** MaxMind's test databases and Beacon's crafted ones, in packages/testkit/fixtures (see its README). */
export const mmTest = (name: string) => fixturePath(`maxmind-test/${name}`);
export const mmCrafted = (name: string) => fixturePath(`maxmind-crafted/${name}`);

export const CHROME =
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36';

/**
 * An agency and its sites (name, domain, script id, site config) in a test database; answers the
 * agency's id.
 */
export async function seedSites(
  pool: Pool,
  sites: [name: string, domain: string, scriptId: string, config?: object][],
  agency: { name: string; email?: string } = { name: 'a' },
): Promise<string> {
  const { rows } = await pool.query<{ id: string }>(
    `INSERT INTO agencies (name, email, api_key) VALUES ($1, $2, 'x') RETURNING id`,
    [agency.name, agency.email ?? null],
  );
  const agencyId = rows[0]!.id;
  for (const [name, domain, scriptId, config = {}] of sites)
    await pool.query(
      `INSERT INTO sites (agency_id, name, domain, script_id, config) VALUES ($1, $2, $3, $4, $5)`,
      [agencyId, name, domain, scriptId, JSON.stringify(config)],
    );
  return agencyId;
}

/**
 * The enricher's settings in tests: the test database, a Redis prefix of its own, the crafted
 * MaxMind databases, no default geo and no watching of the data files; `extra` adds or overrides.
 */
export function enricherTestConfig(
  db: TestDatabase,
  prefix: string,
  extra: Record<string, string> = {},
): Config {
  return parseConfig({
    DATABASE_URL: db.url,
    REDIS_URL,
    QUEUE_PREFIX: prefix,
    LOG_LEVEL: 'silent',
    GEOIP_CITY_DB: mmCrafted('Beacon-City-Test.mmdb'),
    GEOIP_ASN_DB: mmCrafted('Beacon-ASN-Test.mmdb'),
    ENRICHER_DEFAULT_GEO: 'false',
    ENRICHER_DATA_WATCH_INTERVAL_MS: '0',
    ...extra,
  });
}

/** What the network lookups found about an address: nothing, but for `over`. */
export function network(over: Partial<NetworkInfo> = {}): NetworkInfo {
  return {
    asn: null,
    asnOrg: null,
    isp: null,
    isHosting: null,
    isVpn: null,
    isProxy: null,
    isTor: null,
    isCrawlerRange: false,
    maxmind: null,
    ...over,
  };
}

/** A MaxMind organisation record: empty but for `over`. */
export function orgRecord(over: Partial<MaxmindOrgRecord>): MaxmindOrgRecord {
  return { organization: null, isp: null, domain: null, userType: null, connectionType: null, ...over };
}

/**
 * What a worker test file works with: a throwaway database, a Redis prefix of its own, a running enricher
 * (silent, ops on a free port) and a producer connection with its two queues. Filled in by the time the
 * file's tests run.
 */
export interface EnricherOnQueues {
  db: TestDatabase;
  prefix: string;
  enricher: EnricherHandle;
  producer: Redis;
  hits: Queue;
  events: Queue;
}

/**
 * Registers the hooks of a file that runs the enricher on its queues: before its tests, the database,
 * `prepare` (seeds, imports: the enricher is not running yet) and the enricher with enricherTestConfig
 * plus `env`; after them, the enricher closed, both queues emptied, every key under the prefix deleted,
 * the producer closed and the database dropped. Call it at the top level, before the file's own hooks.
 */
export function useEnricherOnQueues(
  name: string,
  opts: { env?: Record<string, string>; prepare?: (db: TestDatabase) => Promise<void> } = {},
): EnricherOnQueues {
  const w = { prefix: uniquePrefix(name) } as Partial<EnricherOnQueues> & { prefix: string };
  beforeAll(async () => {
    w.db = await createTestDatabase();
    await opts.prepare?.(w.db);
    w.enricher = await startEnricher(enricherTestConfig(w.db, w.prefix, opts.env), {
      metricsPort: 0,
      logger: createLogger('enricher', 'silent'),
    });
    w.producer = createRedis(REDIS_URL, 'worker');
    w.hits = new Queue('hits', { connection: w.producer, prefix: w.prefix });
    w.events = new Queue('events', { connection: w.producer, prefix: w.prefix });
  });
  afterAll(async () => {
    await w.enricher?.close();
    for (const q of [w.hits, w.events]) {
      await q?.obliterate({ force: true }).catch(() => undefined);
      await q?.close();
    }
    if (w.producer) {
      const keys = await w.producer.keys(`${w.prefix}:*`);
      if (keys.length) await w.producer.del(...keys);
      await w.producer.quit();
    }
    await w.db?.drop();
  });
  return w as EnricherOnQueues;
}
