/**
 * What the browser tests run against, all real: Chromium (playwright-core; testkit's launchChromium finds it), the collector
 * of services/collector on an ephemeral port with a throwaway database (agency + site) and a unique
 * BullMQ prefix on the machine's Redis, and a node:http server for the test pages. Assertions read
 * the hits the collector put into the `hits` queue (no worker consumes them here).
 */
import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname } from 'node:path';
import { Queue } from 'bullmq';
import type { Browser, BrowserContext, BrowserContextOptions } from 'playwright-core';
import { startCollector, type CollectorHandle } from '@beacon/collector';
import { parseConfig, type Config } from '@beacon/config';
import { adminSql } from '@beacon/db';
import { createLogger } from '@beacon/observability';
import { createRedis, type Redis } from '@beacon/queue';
import { QUEUE_HITS, rawJobSchema, renderSnippet, type SiteConfig } from '@beacon/schema';
import {
  collectorTestEnv,
  createTestDatabase,
  HEADLESS_ARGS,
  launchChromium,
  REDIS_URL,
  uniquePrefix,
  type TestDatabase,
} from '@beacon/testkit';
import { trackerFiles } from '@beacon-analytics/tracker';

/** A hit as found in the queue, with what the collector added about its request. */
export type QueuedHit = Record<string, unknown> & {
  id: string;
  event_name: string;
  event_id: string;
  site_id: string;
  user_agent: string | null;
};

export interface Harness {
  scriptId: string;
  browser: Browser;
  collector: CollectorHandle;
  collectorPort: number;
  /** Base URL of the page server, e.g. http://127.0.0.1:1234 */
  pagesUrl: string;
  /** The same server under another host name (localhost): links there are outbound. */
  otherHostUrl: string;
  /** Registers the HTML answered at `path` of the page server. */
  page(path: string, html: string): string;
  /**
   * The snippet of a site exactly as the API and the dashboard show it (renderSnippet with the
   * collector's URL and script path), with extra data- attributes if given; default: the main site.
   */
  snippet(attrs?: string, scriptId?: string): string;
  /** Creates another site of the agency with this sites.config; returns its script_id. */
  addSite(config: Partial<SiteConfig>): Promise<string>;
  /** Merges `patch` into a site's sites.config, as PATCH /v1/sites/{id} does. */
  setSiteConfig(scriptId: string, patch: Partial<SiteConfig> | Record<string, unknown>): Promise<void>;
  /** Sets a site's status (active, paused, deleted). */
  setSiteStatus(scriptId: string, status: string): Promise<void>;
  /** COLLECTOR_SITE_CACHE_TTL_MS + COLLECTOR_SITE_SETTINGS_MAX_AGE_S of the harness, in ms. */
  settingsDelayMs: number;
  /** Every hit in the queue, oldest first. */
  hits(): Promise<QueuedHit[]>;
  /** Polls the queue until `pick` returns something (10 s at most). */
  waitForHits<T>(pick: (hits: QueuedHit[]) => T | undefined | false | null, what: string): Promise<T>;
  stopCollector(): Promise<void>;
  startCollectorAgain(): Promise<void>;
  close(): Promise<void>;
}

export async function startHarness(): Promise<Harness> {
  const db: TestDatabase = await createTestDatabase();
  const prefix = uniquePrefix('trk');
  const scriptId = `trk_${randomBytes(6).toString('hex')}`;
  const { rows } = await db.pool.query(adminSql.insertAgency, [
    'Tracker tests',
    `trk-${scriptId}@example.com`,
    'x',
    `bk_${randomBytes(4).toString('hex')}`,
    null,
  ]);
  const agencyId = rows[0].id as string;
  await db.pool.query(adminSql.insertSite, [
    agencyId,
    'Tracker test site',
    '127.0.0.1',
    scriptId,
    null,
    null,
  ]);

  const config: Config = parseConfig({
    ...collectorTestEnv(db.url, prefix),
    COLLECTOR_TRACKER_DIR: dirname(trackerFiles().core),
    // Short, so a test sees a changed site setting reach a tagged page on its next load (production:
    // 5 s and 300 s, docs/tracker.md "Privacy switches").
    COLLECTOR_SITE_CACHE_TTL_MS: '200',
    COLLECTOR_SITE_SETTINGS_MAX_AGE_S: '1',
  });
  const logger = createLogger('collector', 'silent');
  let collector = await startCollector(config, { logger, port: 0, host: '127.0.0.1' });
  const collectorPort = collector.port;

  const pages = new Map<string, string>();
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0]!;
    const html = pages.get(path) ?? `<!doctype html><title>landing</title><p>${path}</p>`;
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
    res.end(html);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const pagePort = (server.address() as AddressInfo).port;
  const pagesUrl = `http://127.0.0.1:${pagePort}`;

  const redis: Redis = createRedis(REDIS_URL, 'worker');
  const queue = new Queue(QUEUE_HITS, { connection: redis, prefix });
  const browser = await launchChromium({ args: HEADLESS_ARGS });

  async function hits(): Promise<QueuedHit[]> {
    const jobs = await queue.getJobs([
      'waiting',
      'active',
      'delayed',
      'completed',
      'failed',
      'prioritized',
      'paused',
    ]);
    const out: QueuedHit[] = [];
    for (const job of jobs) {
      const data = rawJobSchema.parse(job.data);
      for (const r of data.requests)
        for (const h of r.hits) out.push({ ...h, site_id: r.site_id, user_agent: r.user_agent } as QueuedHit);
    }
    // Jobs come back newest first; UUIDv7 ids order the hits by receipt.
    return out.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  }

  return {
    scriptId,
    browser,
    get collector() {
      return collector;
    },
    collectorPort,
    pagesUrl,
    otherHostUrl: `http://localhost:${pagePort}`,
    page(path, html) {
      pages.set(path, html);
      return pagesUrl + path;
    },
    snippet(attrs = '', site = scriptId) {
      const tag = renderSnippet(site, {
        publicUrl: `http://127.0.0.1:${collectorPort}`,
        scriptPath: config.collector.scriptPath,
      });
      return attrs ? tag.replace('<script ', `<script ${attrs} `) : tag;
    },
    async addSite(siteConfig) {
      const id = `trk_${randomBytes(6).toString('hex')}`;
      await db.pool.query(adminSql.insertSite, [
        agencyId,
        `Site ${id}`,
        '127.0.0.1',
        id,
        JSON.stringify(siteConfig),
        null,
      ]);
      return id;
    },
    async setSiteConfig(site, patch) {
      await db.pool.query(`UPDATE sites SET config = config || $2::jsonb WHERE script_id = $1`, [
        site,
        JSON.stringify(patch),
      ]);
    },
    async setSiteStatus(site, status) {
      await db.pool.query(`UPDATE sites SET status = $2 WHERE script_id = $1`, [site, status]);
    },
    settingsDelayMs: config.collector.siteCacheTtlMs + config.collector.siteSettingsMaxAgeS * 1000,
    hits,
    async waitForHits(pick, what) {
      // 30 s: on a loaded CI machine a failed send waits out the tracker's own retry backoff (2 s, 4 s, …).
      const deadline = Date.now() + 30_000;
      let seen: QueuedHit[] = [];
      for (;;) {
        seen = await hits();
        const found = pick(seen);
        if (found) return found;
        if (Date.now() > deadline)
          throw new Error(
            `timed out waiting for ${what}; queue holds: ${seen.map((h) => `${h.event_name} ${String(h.page_url)}`).join(', ')}`,
          );
        await new Promise((r) => setTimeout(r, 100));
      }
    },
    async stopCollector() {
      await collector.close();
    },
    async startCollectorAgain() {
      collector = await startCollector(config, { logger, port: collectorPort, host: '127.0.0.1' });
    },
    async close() {
      await browser.close().catch(() => undefined);
      await collector.close().catch(() => undefined);
      await new Promise((r) => server.close(r));
      await queue.obliterate({ force: true }).catch(() => undefined);
      await queue.close();
      redis.disconnect();
      await db.drop();
    },
  };
}

/** An HTML page with the tracker snippet and some body. */
export function html(
  h: Harness,
  opts: { title: string; attrs?: string; body?: string; head?: string; site?: string },
): string {
  return `<!doctype html><html><head><meta charset="utf-8"><title>${opts.title}</title>${opts.head ?? ''}${h.snippet(opts.attrs, opts.site)}
<style>body{margin:0;font:16px sans-serif}</style></head><body>${opts.body ?? '<h1>Beacon test page</h1>'}</body></html>`;
}

/** Makes the page look hidden (or visible again) and fires visibilitychange, as a tab switch does. */
export const setVisibility = (hidden: boolean) => {
  Object.defineProperty(document, 'hidden', { configurable: true, get: () => hidden });
  Object.defineProperty(document, 'visibilityState', {
    configurable: true,
    get: () => (hidden ? 'hidden' : 'visible'),
  });
  document.dispatchEvent(new Event('visibilitychange', { bubbles: true }));
};

/** A harness in a test file, with the browser contexts its tests open (closed after each test). */
export type FileHarness = Harness & { newContext(options?: BrowserContextOptions): Promise<BrowserContext> };

/**
 * The harness of a test file (or of a describe block): started before its tests and closed after
 * them. Read it only inside tests and hooks (it is there from the first beforeAll on).
 */
export function useHarness(): FileHarness {
  let current: Harness | undefined;
  const contexts: BrowserContext[] = [];
  beforeAll(async () => {
    current = await startHarness();
  }, 60_000);
  afterEach(async () => {
    for (const c of contexts.splice(0)) await c.close().catch(() => undefined);
  });
  afterAll(async () => {
    await current?.close();
  });
  const newContext = async (options?: BrowserContextOptions) => {
    const context = await started().browser.newContext(options);
    contexts.push(context);
    return context;
  };
  const started = () => {
    if (!current) throw new Error('the harness is read before its beforeAll started it');
    return current;
  };
  return new Proxy({} as FileHarness, {
    get: (_target, key) => (key === 'newContext' ? newContext : Reflect.get(started(), key)),
  });
}
