import { randomBytes } from 'node:crypto';
import type { Browser } from 'playwright-core';
import { startApi, type ApiHandle } from '@beacon/api';
import { dashboardDir } from '../index.js';
import { parseConfig } from '@beacon/config';
import { createLogger, createRegistry } from '@beacon/observability';
import { launchChromium, uniquePrefix, type TestDatabase } from '@beacon/testkit';

/**
 * What every dashboard browser test starts: the real API (serving the built dashboard) on the test
 * file's database, on a free loopback port, and a headless Chromium found by testkit's launchChromium.
 */
export interface DashboardStack {
  api: ApiHandle;
  url: string;
  browser: Browser;
}

export async function startDashboardStack(db: TestDatabase, prefix: string): Promise<DashboardStack> {
  const config = parseConfig({
    DATABASE_URL: db.url,
    DATABASE_POOL_MAX: '5',
    LOG_LEVEL: 'silent',
    NODE_ENV: 'test',
    QUEUE_PREFIX: uniquePrefix(prefix),
    API_JWT_SECRET: randomBytes(32).toString('hex'),
    API_COOKIE_SECURE: 'false',
  });
  const api = await startApi(config, {
    port: 0,
    host: '127.0.0.1',
    redis: null,
    logger: createLogger('api', 'silent'),
    registry: createRegistry('api', { defaultMetrics: false }),
    dashboardDir: dashboardDir(),
  });
  const browser = await launchChromium({
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  return { api, url: `http://127.0.0.1:${api.port}`, browser };
}
