import type { Browser, BrowserContext, BrowserContextOptions, Locator, Page } from 'playwright-core';
import { startApi, type ApiHandle } from '@beacon/api';
import { dashboardDir } from '../index.js';
import { parseConfig } from '@beacon/config';
import { silentObservability } from '@beacon/observability';
import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import {
  apiTestEnv,
  createTestDatabase,
  HEADLESS_ARGS,
  insertEventRows,
  launchChromium,
  uniquePrefix,
  type TestDatabase,
} from '@beacon/testkit';
import { seedAgency, shopEvents, type SeedEvent } from './seed.js';

/**
 * What every dashboard browser test starts: the real API (serving the built dashboard) on the test
 * file's database, on a free loopback port, and a headless Chromium found by testkit's launchChromium.
 */
export interface DashboardStack {
  api: ApiHandle;
  url: string;
  browser: Browser;
}

/**
 * `env`: more settings of the API (SMTP_URL of a test SMTP server, say); `chromiumArgs`: more
 * command-line switches of the browser (e.g. --host-resolver-rules to open the API under a hostname).
 */
export async function startDashboardStack(
  db: TestDatabase,
  prefix: string,
  env: Record<string, string> = {},
  chromiumArgs: string[] = [],
): Promise<DashboardStack> {
  const config = parseConfig({ ...apiTestEnv(db.url, uniquePrefix(prefix)), ...env });
  const api = await startApi(config, {
    port: 0,
    host: '127.0.0.1',
    redis: null,
    ...silentObservability('api'),
    dashboardDir: dashboardDir(),
  });
  const browser = await launchChromium({ args: [...HEADLESS_ARGS, ...chromiumArgs] });
  return { api, url: `http://127.0.0.1:${api.port}`, browser };
}

/** Where the browser tests save their screenshots (gitignored). */
export const SHOTS = fileURLToPath(new URL('../../../test-results/dashboard/', import.meta.url));

/** A browser test file's world: its database with the seeded agency, and the stack. */
export interface DashboardWorld extends DashboardStack {
  db: TestDatabase;
  seed: Awaited<ReturnType<typeof seedAgency>>;
}

/** A DashboardWorld whose database also holds the shop's events. */
export interface SeededDashboard extends DashboardWorld {
  events: SeedEvent[];
}

/**
 * Registers the hooks that start a DashboardWorld before the file's tests (`prepare` may add rows to the
 * seeded database first) and stop it after; the answer is filled in by the time tests run.
 * `env`: more API settings, read when the hook runs (a test SMTP server's URL, say).
 */
export function useDashboard(
  prefix: string,
  opts: {
    env?: () => Record<string, string>;
    /** More command-line switches of the browser (startDashboardStack's chromiumArgs). */
    chromiumArgs?: string[];
    prepare?: (d: Pick<DashboardWorld, 'db' | 'seed'>) => Promise<void>;
    timeout?: number;
  } = {},
): DashboardWorld {
  const d = {} as Partial<DashboardWorld>;
  beforeAll(async () => {
    mkdirSync(SHOTS, { recursive: true });
    const db = await createTestDatabase();
    Object.assign(d, { db, seed: await seedAgency(db.pool) });
    await opts.prepare?.(d as DashboardWorld);
    Object.assign(d, await startDashboardStack(db, prefix, opts.env?.(), opts.chromiumArgs));
  }, opts.timeout ?? 60_000);
  afterAll(() => stopDashboardStack(d, d.db));
  return d as DashboardWorld;
}

/** useDashboard with the shop's events inserted (after `prepare`, which may add to them). */
export function useSeededDashboard(
  prefix: string,
  opts: {
    env?: () => Record<string, string>;
    /** More command-line switches of the browser (startDashboardStack's chromiumArgs). */
    chromiumArgs?: string[];
    prepare?: (d: Pick<SeededDashboard, 'db' | 'seed' | 'events'>) => Promise<void>;
    timeout?: number;
  } = {},
): SeededDashboard {
  return useDashboard(prefix, {
    ...opts,
    prepare: async (w) => {
      const d = Object.assign(w, { events: shopEvents('shop0001') });
      await opts.prepare?.(d);
      await insertEventRows(d.db.pool, d.events);
    },
  }) as SeededDashboard;
}

/** Closes what startDashboardStack started, and the test file's database (any may be missing). */
export async function stopDashboardStack(
  s: Partial<DashboardStack>,
  db: TestDatabase | undefined,
): Promise<void> {
  await s.browser?.close();
  await s.api?.close();
  await db?.drop();
}

/**
 * Signs in on the login page; with `landing` (a URL glob or pattern), waits until the dashboard opens
 * there, else the caller waits for where it should land.
 */
export async function signIn(
  page: Page,
  url: string,
  who: { email: string; password: string },
  landing?: string | RegExp,
): Promise<void> {
  await page.goto(`${url}/`);
  await page.getByLabel('Email').fill(who.email);
  await page.getByLabel('Password').fill(who.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  if (landing !== undefined) await page.waitForURL(landing);
}

/** An access token of a seeded user, for API calls beside the browser (POST /v1/auth/login). */
export async function apiToken(url: string, who: { email: string; password: string }): Promise<string> {
  const r = await fetch(`${url}/v1/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(who),
  });
  if (r.status !== 200) throw new Error(`login of ${who.email}: HTTP ${r.status}`);
  return ((await r.json()) as { access_token: string }).access_token;
}

/**
 * Records the page's console errors, failed requests and uncaught errors into `problems` (tests assert
 * it empty). A 401 from /v1/auth/ is the normal "not signed in yet"; `allowed` may pass more answers.
 */
export function watchPage(
  page: Page,
  problems: string[],
  allowed: (status: number, url: string) => boolean = (s, u) => s === 401 && u.includes('/v1/auth/'),
): void {
  // Failed loads are judged by the response listener.
  page.on('console', (m) => {
    if (m.type() === 'error' && !m.text().startsWith('Failed to load resource'))
      problems.push(`console: ${m.text()}`);
  });
  page.on('response', (r) => {
    if (r.status() >= 400 && !allowed(r.status(), r.url()))
      problems.push(`${r.status()} ${r.request().method()} ${r.url()}`);
  });
  page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
}

/**
 * The browser pages of a file's tests, each in a context of its own (1280×900 unless `context` says
 * otherwise) and watched (watchPage) into `problems`. After each test no problem may have been
 * recorded (checked first), and the contexts it opened are closed.
 */
export function usePages(d: DashboardStack) {
  const problems: string[] = [];
  const opened: BrowserContext[] = [];
  afterEach(async () => {
    try {
      expect(problems.splice(0)).toEqual([]);
    } finally {
      await Promise.all(opened.splice(0).map((c) => c.close()));
    }
  });
  return {
    problems,
    /** A new page; with `as`, signed in and landed on the sites (or `landing`). */
    async open(
      opts: {
        as?: { email: string; password: string };
        landing?: string | RegExp;
        allowed?: (status: number, url: string) => boolean;
        context?: BrowserContextOptions;
      } = {},
    ): Promise<Page> {
      const ctx = await d.browser.newContext({ viewport: { width: 1280, height: 900 }, ...opts.context });
      opened.push(ctx);
      const page = await ctx.newPage();
      watchPage(page, problems, opts.allowed);
      if (opts.as) {
        await signIn(page, d.url, opts.as);
        await page.waitForURL(opts.landing ?? /\/sites\//, { timeout: 60_000 });
      }
      return page;
    },
  };
}

/** Waits until the element's whole text is `text` (figures load and refetch asynchronously). */
export async function shows(l: Locator, text: string, timeout = 10_000): Promise<void> {
  const exact = new RegExp(`^${text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`);
  try {
    await l.filter({ hasText: exact }).first().waitFor({ timeout });
  } catch {
    throw new Error(
      `expected "${text}", the page shows "${await l
        .first()
        .textContent()
        .catch(() => '?')}"`,
    );
  }
}
