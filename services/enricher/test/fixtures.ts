import { Queue } from 'bullmq';
import { parseConfig, type Config } from '@beacon/config';
import { createLogger } from '@beacon/observability';
import { createRedis, type Redis } from '@beacon/queue';
import type { Pool } from '@beacon/db';
import { fixturePath, REDIS_URL, type TestDatabase } from '@beacon/testkit';
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

/** A running enricher (silent, ops on a free port) and a producer connection with its two queues. */
export interface EnricherOnQueues {
  enricher: EnricherHandle;
  producer: Redis;
  hits: Queue;
  events: Queue;
}

export async function startEnricherOnQueues(config: Config, prefix: string): Promise<EnricherOnQueues> {
  const enricher = await startEnricher(config, {
    metricsPort: 0,
    logger: createLogger('enricher', 'silent'),
  });
  const producer = createRedis(REDIS_URL, 'worker');
  const hits = new Queue('hits', { connection: producer, prefix });
  const events = new Queue('events', { connection: producer, prefix });
  return { enricher, producer, hits, events };
}

/** Closes the enricher and empties and closes both queues (any may be missing); the producer stays open. */
export async function stopEnricherOnQueues(q: Partial<EnricherOnQueues>): Promise<void> {
  await q.enricher?.close();
  await q.hits?.obliterate({ force: true }).catch(() => undefined);
  await q.events?.obliterate({ force: true }).catch(() => undefined);
  await q.hits?.close();
  await q.events?.close();
}
