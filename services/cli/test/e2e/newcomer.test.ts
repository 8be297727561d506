/**
 * A newcomer's first hour, in a real browser against a real `beacon start` (the CLI as a child process
 * on the machine's PostgreSQL and Redis, a throwaway database, free ports, its own working directory):
 * the banner, the demo page and each kind of element on it, the dashboard with 30 days of demo history,
 * every page reloaded by its URL, each panel holding data, and a restart that keeps the login.
 * Screenshots land in test-results/newcomer/ (gitignored).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Browser, type BrowserContext, type Page } from 'playwright-core';
import {
  createTestDatabase,
  REDIS_URL,
  uniquePrefix,
  type TestDatabase,
  launchChromium,
  waitFor,
} from '@beacon/testkit';
import { createRedis } from '@beacon/queue';
import { CLI, deletePrefix, freePort } from './harness.js';

const SHOTS = fileURLToPath(new URL('../../../../test-results/newcomer/', import.meta.url));
let db: TestDatabase;
let browser: Browser;
let cwd: string;
let env: Record<string, string>;
let ports: { collector: number; api: number; demo: number };
const problems: string[] = [];

interface Started {
  child: ChildProcess;
  out: () => string;
  banner: { password?: string; dashboard: string; page: string; agencyId: string };
}

/** Runs `beacon start` and waits for its banner (printed once everything is up). */
async function start(): Promise<Started> {
  const child = spawn(process.execPath, [CLI, 'start'], {
    cwd,
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d) => (stdout += d));
  child.stderr!.on('data', (d) => (stderr += d));
  const out = () => `${stdout}\n--- stderr ---\n${stderr.slice(-4000)}`;
  await waitFor(
    () => `the banner of beacon start:\n${out()}`,
    () => stdout.includes('Press Ctrl-C to stop.') || child.exitCode !== null,
    { timeoutMs: 240_000, intervalMs: 200 },
  );
  if (child.exitCode !== null) throw new Error(`beacon start exited ${child.exitCode}:\n${out()}`);
  const field = (name: string) => new RegExp(`^\\s+${name}:\\s+(\\S+)`, 'm').exec(stdout)?.[1];
  const password = /Password:\s+([A-Za-z0-9]{16})\s/.exec(stdout)?.[1];
  return {
    child,
    out,
    banner: {
      ...(password ? { password } : {}),
      dashboard: field('Dashboard')!,
      page: field('Demo page')!,
      agencyId: /id ([0-9a-f-]{36}),/.exec(stdout)![1]!,
    },
  };
}

async function stop(s: Started): Promise<number | null> {
  s.child.kill('SIGINT');
  await waitFor('beacon start to stop', () => s.child.exitCode !== null, {
    timeoutMs: 30_000,
    intervalMs: 100,
    ignoreErrors: true,
  });
  return s.child.exitCode;
}

beforeAll(async () => {
  mkdirSync(SHOTS, { recursive: true });
  db = await createTestDatabase();
  cwd = mkdtempSync(join(tmpdir(), 'beacon-newcomer-'));
  ports = { collector: await freePort(), api: await freePort(), demo: await freePort() };
  env = {
    DATABASE_URL: db.url,
    REDIS_URL,
    QUEUE_PREFIX: uniquePrefix('newcomer'),
    LOG_LEVEL: 'info',
    COLLECTOR_PORT: String(ports.collector),
    COLLECTOR_HOST: '127.0.0.1',
    COLLECTOR_PUBLIC_URL: `http://localhost:${ports.collector}`,
    API_PORT: String(ports.api),
    API_HOST: '127.0.0.1',
    DEMO_PORT: String(ports.demo),
    ENRICHER_METRICS_PORT: '0',
    WRITER_METRICS_PORT: '0',
    WRITER_BATCH_MAX_WAIT_MS: '50',
    DATABASE_POOL_MAX: '5',
  };
  browser = await launchChromium({
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--no-first-run',
      '--disable-background-networking',
    ],
  });
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await db?.drop();
  // The queues and dedupe claims of this run, out of the shared Redis.
  const redis = createRedis(REDIS_URL, 'worker');
  await deletePrefix(redis, env.QUEUE_PREFIX!).catch(() => undefined);
  await redis.quit();
  rmSync(cwd, { recursive: true, force: true });
});

/** A page that records console errors, failed requests (any 4xx/5xx) and page errors. */
async function open(ctx: BrowserContext): Promise<Page> {
  const page = await ctx.newPage();
  page.on('console', (m) => {
    if (m.type() === 'error') problems.push(`console: ${m.text()} (${page.url()})`);
  });
  page.on('response', (r) => {
    if (r.status() >= 400) problems.push(`${r.status()} ${r.request().method()} ${r.url()}`);
  });
  page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
  return page;
}

/** Resolves when the collector has answered a batch carrying an event of that name. */
const sent = (page: Page, name: string) =>
  page.waitForResponse(
    (r) => r.url().endsWith('/v1/batch') && (r.request().postData() ?? '').includes(`"event_name":"${name}"`),
  );

/** Resolves when the collector has answered a batch carrying the page view of `url`. */
const viewAnswered = (page: Page, url: string) =>
  page.waitForResponse((r) => {
    const body = r.request().postData() ?? '';
    return (
      r.url().endsWith('/v1/batch') &&
      body.includes('"event_name":"page_view"') &&
      body.includes(`"page_url":${JSON.stringify(url)}`)
    );
  });

/** Follows a link of the demo page's navigation bar. */
const nav = (page: Page, name: string) =>
  page.getByRole('navigation').getByRole('link', { name, exact: true }).click();

const shot = (page: Page, name: string) => page.screenshot({ path: `${SHOTS}${name}.png`, fullPage: true });

async function customEventsSince(since: Date): Promise<string[]> {
  const { rows } = await db.pool.query(
    `SELECT DISTINCT event_name FROM events WHERE server_timestamp >= $1 AND event_name NOT IN ('page_view', 'engagement') ORDER BY 1`,
    [since],
  );
  return rows.map((r) => r.event_name);
}

test('a newcomer: beacon start, the demo page, the dashboard with history, every page by URL, a restart', async () => {
  const first = await start();
  try {
    // The banner: where everything is, the agency's id and email, a password shown once.
    expect(first.banner.password).toBeDefined();
    expect(first.out()).toMatch(/Agency:\s+Demo agency, id [0-9a-f-]{36}, email demo@beacon\.localhost/);
    expect(first.out()).toMatch(/demo history written: \d+ events/);
    // Requests are logged at debug in beacon start: nothing per request after the banner.
    // The JWT secret generated on this first start is kept in .env, readable by its owner only.
    const dotenv = readFileSync(join(cwd, '.env'), 'utf8');
    expect(dotenv).toMatch(/^API_JWT_SECRET=\S{64}$/m);
    expect(statSync(join(cwd, '.env')).mode & 0o777).toBe(0o600);

    const { rows: siteRows } = await db.pool.query(`SELECT id, script_id FROM sites`);
    const site = siteRows[0] as { id: string; script_id: string };
    const { rows: hist } = await db.pool.query(
      `SELECT count(*)::int AS n, min(server_timestamp) AS first FROM events WHERE site_id = $1`,
      [site.script_id],
    );
    expect(hist[0].n).toBeGreaterThan(20_000);
    expect(Date.now() - hist[0].first.getTime()).toBeGreaterThan(28 * 86_400_000);

    // A newcomer's browser, not a headless one (its user agent is a bot's, which the demo site drops).
    const ctx = await browser.newContext({
      viewport: { width: 1280, height: 900 },
      userAgent:
        'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36',
    });
    // Outbound links lead off the machine: answer them here.
    await ctx.route(/^https:\/\/(github\.com|www\.postgresql\.org)\//, (r) =>
      r.fulfill({ status: 200, contentType: 'text/html', body: '<title>elsewhere</title>' }),
    );
    const page = await open(ctx);
    const clicked = new Date(Date.now() - 1000);

    // The demo page and each kind of element on it.
    await page.goto(first.banner.page);
    await page.waitForFunction(() => 'beacon' in window);
    await shot(page, 'demo-home');
    const download = page.waitForEvent('download');
    await page.getByRole('link', { name: /brochure/ }).click();
    expect((await download).suggestedFilename()).toBe('beacon-brochure.pdf');
    await nav(page, 'Pricing');
    // Custom events wait up to a second in the tracker's queue: let the batch leave before moving on
    // (a same-tab navigation within that second loses it in headless Chromium; see the report).
    let batch = sent(page, 'plan_selected');
    await page.getByRole('button', { name: 'Choose the Team plan' }).click();
    await page.getByText('Sent: see it on the dashboard').waitFor();
    await batch;
    // The shop's click comes before its extras file (addToCart) has arrived: the page's stub keeps the
    // call and the extras file sends it (a CI run under load lost it when the page called
    // beacon.addToCart directly).
    let extrasArrive: () => void = () => {};
    const extrasHeld = new Promise<void>((resolve) => (extrasArrive = resolve));
    await ctx.route(/\/beacon-extras\.js$/, async (r) => {
      await extrasHeld;
      await r.continue();
    });
    await nav(page, 'Shop');
    batch = sent(page, 'add_to_cart');
    await page.getByRole('button', { name: 'Add to cart' }).click();
    await page.getByText('Sent: see it on the dashboard').waitFor();
    await shot(page, 'demo-shop-sent');
    extrasArrive();
    await ctx.unroute(/\/beacon-extras\.js$/);
    await batch;
    await nav(page, 'Contact');
    await page.getByLabel('Name').fill('Ada');
    await page.getByRole('button', { name: 'Send' }).click();
    await page.waitForURL(/\/contact\?sent=1$/);
    // A person reads the page before clicking on: wait until the tracker runs there (its page view
    // answered). A click in the same millisecond as the load came before the deferred tracker and was
    // never seen (a CI run under load stored no outbound_click).
    const home = viewAnswered(page, first.banner.page);
    await nav(page, 'Home');
    await home;
    await page.getByRole('link', { name: /Beacon on GitHub/ }).click();
    await page.waitForURL('https://github.com/');
    let stored: string[] = [];
    await waitFor(
      () =>
        `the demo page's events; stored so far: ${stored.join(', ')}\n${problems.join('\n')}\n${first.out().slice(-6000)}`,
      async () => {
        stored = await customEventsSince(clicked);
        // form_submit is not awaited: the form posts and leaves the page at once (see the report).
        return ['add_to_cart', 'file_download', 'outbound_click', 'plan_selected'].every((n) =>
          stored.includes(n),
        );
      },
      { timeoutMs: 30_000, intervalMs: 250, ignoreErrors: true },
    );

    // The dashboard: a first visit asks no refresh it cannot have (no 401 in the console).
    const before = problems.length;
    await page.goto(first.banner.dashboard);
    await page.getByLabel('Email').fill('admin@beacon.localhost');
    await page.getByLabel('Password').fill(first.banner.password!);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL(new RegExp(`/sites/${site.id}/overview`));
    expect(problems.slice(before)).toEqual([]);
    const base = `${first.banner.dashboard.replace(/\/$/, '')}/sites/${site.id}`;

    // Each panel of the overview holds data (30 days of history).
    await page
      .locator('[data-metric="visitors"] .value')
      .filter({ hasText: /^[1-9][\d,]*$/ })
      .waitFor();
    await page.locator('.chart canvas').first().waitFor();
    for (const dimension of ['pages', 'referrers', 'utm_campaigns', 'countries', 'devices', 'events']) {
      await page.locator(`[data-dimension="${dimension}"] table.bars tbody tr`).first().waitFor();
      expect(await page.locator(`[data-dimension="${dimension}"] tbody tr`).count()).toBeGreaterThan(1);
    }
    const sources = await page.locator('[data-dimension="referrers"]').textContent();
    expect(sources).toContain('Direct / none');
    expect(sources).not.toContain('(none)');
    const events = await page.locator('[data-dimension="events"]').textContent();
    expect(events).toContain('purchase');
    expect(events).not.toContain('engagement');
    // The Locations panel's map shades the countries that sent visitors.
    await page.locator('.country-map path.has-visitors').first().waitFor();
    expect(await page.locator('.country-map path.has-visitors').count()).toBeGreaterThanOrEqual(10);
    // Custom events by property: the plans chosen on the pricing page.
    await page
      .getByRole('group', { name: 'Events: show' })
      .getByRole('button', { name: 'Properties' })
      .click();
    await page.locator('[data-dimension="properties"] tbody tr').first().waitFor();
    expect(await page.locator('[data-dimension="properties"]').textContent()).toMatch(
      /plan: (starter|team|agency)/,
    );
    await page.getByRole('link', { name: 'IP geolocation by DB-IP' }).first().waitFor();
    expect(
      await page.getByRole('link', { name: 'IP geolocation by DB-IP' }).first().getAttribute('href'),
    ).toBe('https://db-ip.com');
    // Today: no points for the hours to come (the chart's series ends at the current hour).
    await page.locator('.toolbar select').first().selectOption('today');
    await page.locator('.chart canvas').first().waitFor();
    await shot(page, 'overview-today');
    await page.goto(`${base}/overview`);
    await page.locator('[data-dimension="countries"] tbody tr').first().waitFor();
    await shot(page, 'overview');

    // The filter form suggests values from the data.
    await page.getByText('Add a filter').click();
    await page.locator('select[name="key"]').selectOption('country');
    await waitFor(
      'filter suggestions',
      async () => (await page.locator('datalist[data-testid="filter-suggestions"] option').count()) > 0,
      { timeoutMs: 20_000 },
    );
    expect(await page.locator('datalist option').count()).toBeGreaterThan(5);

    // Every page survives a reload by its URL, with data on it.
    const { rows: sessionRows } = await db.pool.query(
      `SELECT session_id FROM events WHERE site_id = $1 AND company_domain = 'acme.example' AND event_name = 'page_view' ORDER BY server_timestamp DESC LIMIT 1`,
      [site.script_id],
    );
    const pages: [string, string][] = [
      [`${base}/overview`, '[data-dimension="pages"] tbody tr'],
      [`${base}/companies`, 'table.data tbody tr'],
      [`${base}/companies/acme.example`, 'ol.timeline li'],
      [`${base}/realtime`, 'table.data tbody tr'],
      [`${base}/sessions`, 'table.data tbody tr'],
      [`${base}/sessions/${encodeURIComponent(sessionRows[0].session_id)}`, 'ol.path li'],
      // The demo defines no goal or funnel and sends no web vitals: each page's answered empty state.
      [`${base}/goals`, 'text=No goal yet.'],
      [`${base}/funnels`, 'text=No funnel yet.'],
      [`${base}/vitals`, 'text=No measurement yet.'],
      [`${first.banner.dashboard}settings`, 'table.data tbody tr'],
      [`${first.banner.dashboard}settings/sites/${site.id}`, 'pre code'],
      [`${first.banner.dashboard}settings/users`, 'table.data tbody tr'],
      [`${first.banner.dashboard}settings/agency`, 'dl.facts code'],
    ];
    for (const [url, content] of pages) {
      const res = await page.goto(url);
      expect([url, res?.status(), res?.headers()['content-type']]).toEqual([
        url,
        200,
        expect.stringMatching(/text\/html/),
      ]);
      await page.locator(content).first().waitFor({ timeout: 15_000 });
      expect([url, await page.getByRole('alert').count()]).toEqual([url, 0]);
      // The site switcher shows the demo site on every page (settings too), never "Choose a site".
      expect(await page.getByLabel('Site', { exact: true }).inputValue()).toBe(site.id);
      await shot(page, url.replace(/^https?:\/\/[^/]+\//, '').replace(/[^a-z0-9]+/gi, '-') || 'root');
    }
    // The agency page names the agency's id (what --agency takes).
    expect(await page.locator('dl.facts code').textContent()).toBe(first.banner.agencyId);
    // The demo's purchases are in its site's currency (EUR): counted as revenue, not set apart as sent.
    await page.goto(`${base}/goals`);
    const revenue = page.locator('[data-revenue]');
    await revenue
      .locator('[data-metric="orders"]')
      .filter({ hasText: /^[1-9][\d,]*$/ })
      .waitFor();
    expect(await revenue.locator('[data-metric="revenue"]').textContent()).toMatch(/^€[1-9][\d,]*\.\d{2}$/);
    expect(await revenue.textContent()).not.toContain('as sent');
    // Realtime: the clicks just made, with seconds, visitor and source.
    await page.goto(`${base}/realtime`);
    await page.getByRole('cell', { name: 'plan_selected' }).first().waitFor();
    const row = page.locator('table.data tbody tr', { hasText: 'plan_selected' }).first();
    expect(await row.locator('td').first().textContent()).toMatch(/^\d{2}:\d{2}:\d{2}$/);
    expect(await page.locator('table.data thead').textContent()).toMatch(/Visitor.*Source/);
    await shot(page, 'realtime-clicks');
    // Dozens of API requests later, the banner is still the last thing on the terminal: beacon start
    // logs requests at debug (LOG_LEVEL is info here).
    const afterBanner = first.out().split('Press Ctrl-C to stop.')[1]!.split('--- stderr ---')[0]!;
    expect(afterBanner).not.toContain('"msg":"request"');
    // Park on a page that polls nothing while the services restart.
    await page.goto(`${first.banner.dashboard}settings/agency`);
    await page.locator('dl.facts code').waitFor();
  } finally {
    expect(await stop(first)).toBe(0);
  }

  // A restart keeps the login: the access token the open page holds still verifies (the JWT secret
  // is the one kept in .env), so its next request is answered without a 401 and a refresh. No second
  // history is written.
  const second = await start();
  try {
    expect(second.banner.password).toBeUndefined();
    expect(second.out()).toContain('already has its history');
    const page = browser.contexts()[0]!.pages()[0]!;
    const before = problems.length;
    await page.getByRole('navigation', { name: 'Settings' }).getByRole('link', { name: 'Users' }).click();
    await page.locator('table.data tbody tr').first().waitFor();
    expect(problems.slice(before)).toEqual([]);
  } finally {
    expect(await stop(second)).toBe(0);
  }
  expect(problems).toEqual([]);
}, 600_000);
