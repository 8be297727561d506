import { Queue } from 'bullmq';
import { parseConfig, type Config } from '@beacon/config';
import { createRedis } from '@beacon/queue';
import { QUEUE_HITS, type RawJob } from '@beacon/schema';
import { collectorTestEnv, REDIS_URL, type TestDatabase } from '@beacon/testkit';

/** Config for a collector under test: real PostgreSQL and Redis, ephemeral port, silent logs. */
export function testConfig(db: TestDatabase, prefix: string, extra: Record<string, string> = {}): Config {
  return parseConfig({ ...collectorTestEnv(db.url, prefix), ...extra });
}

/** One agency with sites in the given states (script_id = name); config per site optional. */
export async function seedSites(
  db: TestDatabase,
  sites: {
    scriptId: string;
    status?: 'active' | 'paused' | 'deleted';
    config?: unknown;
    /** sites.domain (default `<scriptId>.example`): with no allowed_origins, hits may come from it. */
    domain?: string;
  }[],
): Promise<void> {
  const { rows } = await db.pool.query<{ id: string }>(
    `INSERT INTO agencies (name, api_key) VALUES ('t', 'x') RETURNING id`,
  );
  for (const s of sites) {
    await db.pool.query(
      `INSERT INTO sites (agency_id, name, domain, script_id, status, config) VALUES ($1, $2, $3, $2, $4, $5::jsonb)`,
      [
        rows[0]!.id,
        s.scriptId,
        s.domain ?? `${s.scriptId}.example`,
        s.status ?? 'active',
        JSON.stringify(s.config ?? {}),
      ],
    );
  }
}

/** Reads the raw jobs of the hits queue under `prefix` straight from Redis. */
export class QueueReader {
  readonly redis = createRedis(REDIS_URL, 'worker');
  readonly queue: Queue;
  constructor(prefix: string) {
    this.queue = new Queue(QUEUE_HITS, { connection: this.redis, prefix });
  }
  async jobs(): Promise<{ id: string; data: RawJob }[]> {
    const jobs = await this.queue.getJobs(['waiting', 'active', 'delayed', 'prioritized', 'paused']);
    return jobs.map((j) => ({ id: j.id!, data: j.data as RawJob }));
  }
  async hits() {
    const out = [];
    for (const j of await this.jobs())
      for (const r of j.data.requests) for (const h of r.hits) out.push({ ...h, request: r });
    return out;
  }
  async close(): Promise<void> {
    await this.queue.obliterate({ force: true }).catch(() => undefined);
    await this.queue.close();
    this.redis.disconnect();
  }
}

export const post = (base: string, path: string, body: unknown, headers: Record<string, string> = {}) =>
  fetch(`${base}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });

export const pageView = (extra: Record<string, unknown> = {}) => ({
  event_name: 'page_view',
  event_id: `e-${Math.random().toString(36).slice(2)}`,
  timestamp: Date.now(),
  client_id: 'c1',
  session_id: 's1',
  session_number: 1,
  page_url: 'https://shop.example/products?id=1',
  page_title: 'Products',
  referrer: 'https://www.google.com/',
  screen_resolution: '1920x1080',
  viewport_size: '1280x720',
  device_pixel_ratio: 2,
  language: 'en-US',
  ...extra,
});
