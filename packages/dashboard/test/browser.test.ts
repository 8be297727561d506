import { readFileSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import type { BrowserContext, Page } from 'playwright-core';
import { insertEventRows, sessionToken } from '@beacon/testkit';
import { dayStart, visitors, type SeedEvent } from './seed.js';
import { shows, signIn, watchPage, SHOTS, useSeededDashboard } from './stack.js';

// The dashboard in a real browser (Chromium, found by testkit's launchChromium) against the real API on a seeded database:
// log in, switch site, change the range, apply and clear a filter (numbers checked against a plain-JS
// count), open a company, watch realtime grow, and a viewer without edit controls. Screenshots of each
// page land in test-results/dashboard/ (gitignored).

const problems: string[] = [];

const d = useSeededDashboard('dash');

/** A page that records console errors, failed requests and CSP violations (asserted empty at the end). */
async function open(ctx: BrowserContext): Promise<Page> {
  const page = await ctx.newPage();
  watchPage(page, problems);
  return page;
}

const login = (page: Page, who: { email: string; password: string }) => signIn(page, d.url, who);

const figure = (page: Page, metric: string) => page.locator(`[data-metric="${metric}"] .value`);

test('admin: login, site switch, range, filter, company, realtime, sessions, settings', async () => {
  const ctx = await d.browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await open(ctx);

  // A wrong password is said plainly; then the right one lands on the first site (Blog: no data yet).
  await page.goto(`${d.url}/`);
  await page.getByLabel('Email').fill(d.seed.users.admin.email);
  await page.getByLabel('Password').fill('not-the-password');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('alert').waitFor();
  expect(await page.getByRole('alert').textContent()).toMatch(/invalid_credentials|password/i);
  await page.screenshot({ path: `${SHOTS}login.png` });
  await login(page, d.seed.users.admin);
  await page.waitForURL(`**/sites/${d.seed.blog}/overview`);
  await page.getByRole('heading', { name: /No visits in this period yet/ }).waitFor();
  expect(await page.locator('.snippet code').textContent()).toContain('blog0001');
  await page.screenshot({ path: `${SHOTS}empty-site.png`, fullPage: true });

  // Switch to Shop, last 7 days: visitors = the plain-JS count over days 1..6 before today.
  await page.getByLabel('Site').selectOption({ label: 'Shop' });
  await page.waitForURL(`**/sites/${d.seed.shop}/overview`);
  await page.getByLabel('Date range').selectOption('7d');
  await page.waitForURL(/range=7d/);
  const week = visitors(d.events, 6, 0);
  const weekDE = visitors(d.events, 6, 0, (e) => e.country === 'DE');
  expect(weekDE).toBeGreaterThan(0);
  expect(weekDE).toBeLessThan(week);
  await shows(figure(page, 'visitors'), String(week));

  // 30 days, then back to 7 via the URL (shareable): the figures follow the URL.
  await page.getByLabel('Date range').selectOption('30d');
  await shows(figure(page, 'visitors'), String(visitors(d.events, 29, 0)));
  await page.getByLabel('Date range').selectOption('7d');
  await shows(figure(page, 'visitors'), String(week));

  // Click Germany in the Locations panel: every figure is filtered, and the filter is in the URL.
  await page.getByRole('button', { name: 'Germany', exact: true }).click();
  await page.waitForURL(/country=DE/);
  await shows(figure(page, 'visitors'), String(weekDE));
  await page.getByLabel('Compare to previous period').check();
  await page.waitForURL(/compare=1/);
  await page.locator('.chart canvas').first().waitFor();
  await page.screenshot({ path: `${SHOTS}overview-filtered.png`, fullPage: true });
  // A shared link opens the same view in a fresh tab.
  const shared = await open(ctx);
  await shared.goto(page.url());
  await shows(figure(shared, 'visitors'), String(weekDE));
  await shared.close();
  await page.getByRole('button', { name: 'Clear filters' }).click();
  await shows(figure(page, 'visitors'), String(week));
  expect(page.url()).not.toContain('country=');
  await page.screenshot({ path: `${SHOTS}overview.png`, fullPage: true });

  // Companies: Acme's page shows its size and its visitors in the range.
  await page.getByRole('link', { name: 'Companies' }).click();
  await page.getByRole('link', { name: 'Acme Corp' }).waitFor();
  // The match-rate panel (issue #16): a share for each class, the company share above zero.
  await page
    .locator('[data-metric="match-company"]')
    .filter({ hasText: /[1-9]\d*(\.\d+)?\s?%/ })
    .waitFor();
  for (const k of ['isp_residential', 'hosting_vpn', 'bot', 'unknown'])
    await page.locator(`[data-metric="match-${k}"]`).waitFor();
  await page.screenshot({ path: `${SHOTS}companies.png`, fullPage: true });
  const [csv] = await Promise.all([
    page.waitForEvent('download'),
    page.getByRole('button', { name: 'Export CSV' }).click(),
  ]);
  expect(csv.suggestedFilename()).toMatch(/^companies-shop\.example-.*\.csv$/);
  const text = readFileSync((await csv.path())!, 'utf8');
  expect(text.split('\n')[0]).toContain('visitors');
  expect(text).toContain('Acme Corp');
  await page.getByRole('link', { name: 'Acme Corp' }).click();
  await page.waitForURL(/companies\/acme\.example/);
  await page.getByText('1000-4999 employees').waitFor();
  const acme = visitors(d.events, 6, 0, (e) => e.company_domain === 'acme.example');
  await shows(page.locator('[data-metric="company-visitors"]'), String(acme));
  await page.getByRole('heading', { name: 'How it was matched' }).waitFor();
  await page.getByRole('button', { name: 'Not a company (ISP)' }).waitFor();
  await page.screenshot({ path: `${SHOTS}company.png`, fullPage: true });

  // Realtime: nobody yet; two visitors arrive (rows written now) and the page shows them by polling.
  await page.getByRole('link', { name: 'Realtime' }).click();
  await shows(figure(page, 'visitors_30m'), '0');
  const now = new Date().toISOString();
  const live = ['rt1', 'rt2'].map(
    (c) =>
      ({
        id: randomUUID(),
        site_id: 'shop0001',
        event_name: 'page_view',
        client_id: c,
        session_id: `sess-${c}`,
        server_timestamp: now,
        page_path: '/live',
        country: 'FR',
        visitor_type: 'consumer',
      }) as SeedEvent,
  );
  await insertEventRows(d.db.pool, live);
  d.events.push(...live); // the later expectations count them too
  await shows(figure(page, 'visitors_30m'), '2', 15_000);
  await page.screenshot({ path: `${SHOTS}realtime.png`, fullPage: true });
  await page.getByRole('cell', { name: '/live' }).first().waitFor();

  // Sessions: a list, and one session's path of events.
  await page.getByRole('link', { name: 'Sessions' }).click();
  await page.locator('table.data tbody tr').first().waitFor();
  await page.screenshot({ path: `${SHOTS}sessions.png`, fullPage: true });
  // A filter typed by hand: only Acme's sessions of the week remain.
  const acmeSessions = new Set(
    d.events
      .filter((e) => e.company_name === 'Acme Corp' && Date.parse(e.server_timestamp) >= dayStart(6))
      .map((e) => e.session_id),
  ).size;
  expect(acmeSessions).toBeGreaterThan(1);
  await page.getByText('Add a filter').click();
  await page.getByLabel('Dimension').selectOption('company_name');
  await page.getByLabel(/^Value/).fill('Acme Corp');
  await page.getByRole('button', { name: 'Apply filter' }).click();
  await page.waitForURL(/company_name=Acme/);
  await page.waitForFunction(
    (n) => document.querySelectorAll('table.data tbody tr').length === n,
    acmeSessions,
  );
  expect(await page.locator('table.data tbody tr', { hasText: 'Acme Corp' }).count()).toBe(acmeSessions);
  await page.locator('table.data tbody tr a').first().click();
  await page.getByRole('heading', { name: 'Session path' }).waitFor();
  await page.locator('ol.path li').first().waitFor();
  await page.screenshot({ path: `${SHOTS}session.png`, fullPage: true });

  // Settings: an admin sees every edit control, and pausing a site works.
  await page.getByRole('link', { name: 'Settings' }).click();
  await page.getByRole('button', { name: 'Create site' }).waitFor();
  expect(await page.getByRole('link', { name: 'Users' }).count()).toBe(1);
  await page.getByRole('link', { name: 'Shop' }).click();
  await page.getByRole('button', { name: 'Save settings' }).waitFor();
  await page.getByRole('button', { name: 'Pause tracking' }).click();
  await page.getByRole('button', { name: 'Resume tracking' }).waitFor();
  const { rows } = await d.db.pool.query<{ status: string }>(`SELECT status FROM sites WHERE id = $1`, [
    d.seed.shop,
  ]);
  expect(rows[0]!.status).toBe('paused');
  await page.screenshot({ path: `${SHOTS}settings-site.png`, fullPage: true });
  await page.getByRole('link', { name: 'Users' }).click();
  await page.getByRole('cell', { name: d.seed.users.viewer.email }).waitFor();
  await page.screenshot({ path: `${SHOTS}settings-users.png`, fullPage: true });

  // A reload keeps the session (refresh cookie), sign out ends it.
  await page.reload();
  await page.getByRole('cell', { name: d.seed.users.viewer.email }).waitFor();
  await page.getByRole('button', { name: 'Sign out' }).click();
  await page.getByRole('button', { name: 'Sign in' }).waitFor();
  await ctx.close();
  // A long walk through every page: 20-30 s alone, and it timed out at 60 s twice beside another
  // Chromium test on the 2-core machine; each step still waits at most its own few seconds.
}, 120_000);

test('viewer: no edit controls, and the API refuses a write anyway', async () => {
  const ctx = await d.browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await open(ctx);
  await login(page, d.seed.users.viewer);
  await page.waitForURL(/\/overview/);
  await page.getByRole('link', { name: 'Settings' }).click();
  await page.getByRole('link', { name: 'Shop' }).click();
  await page.getByText('Viewers can read settings').waitFor();
  await page.locator('.snippet code').waitFor();
  for (const name of ['Save settings', 'Pause tracking', 'Resume tracking', 'Create site'])
    expect(await page.getByRole('button', { name }).count()).toBe(0);
  expect(await page.getByRole('link', { name: 'Users' }).count()).toBe(0);
  expect(await page.locator('main input, main textarea, main select').count()).toBe(0);
  await page.screenshot({ path: `${SHOTS}viewer-settings.png`, fullPage: true });
  // The users page is closed to viewers in the app, and the API refuses their writes.
  // A closed page and an unknown address say so, rather than "Something went wrong".
  await page.goto(`${d.url}/settings/users`);
  expect(await page.getByRole('alert').textContent()).toBe(
    'Not allowed. Only agency admins can open this page.',
  );
  await page.goto(`${d.url}/sites/${d.seed.shop}/no-such-page`);
  expect(await page.getByRole('alert').textContent()).toBe(
    'Page not found. There is no page at this address.',
  );
  const token = await sessionToken(page);
  const write = await fetch(`${d.url}/v1/sites/${d.seed.shop}`, {
    method: 'PATCH',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ status: 'active' }),
  });
  expect(write.status).toBe(403);
  await ctx.close();
}, 30_000);

test('phone and dark mode render the overview', async () => {
  const ctx = await d.browser.newContext({
    viewport: { width: 390, height: 844 },
    colorScheme: 'dark',
    deviceScaleFactor: 1,
  });
  const page = await open(ctx);
  await login(page, d.seed.users.admin);
  await page.waitForURL(/\/overview/);
  await page.getByLabel('Site').selectOption(d.seed.shop);
  await shows(figure(page, 'visitors'), String(visitors(d.events, 29, 0)));
  await page.getByLabel('Date range').selectOption('today');
  await shows(figure(page, 'visitors'), String(visitors(d.events, 0, 0)));
  await page.locator('.chart canvas').first().waitFor();
  const width = await page.evaluate(() => document.documentElement.scrollWidth);
  expect(width).toBeLessThanOrEqual(390);
  const bg = await page.evaluate(
    () =>
      getComputedStyle(document.body).backgroundColor ||
      getComputedStyle(document.documentElement).backgroundColor,
  );
  expect(bg).not.toBe('rgb(246, 247, 249)');
  await page.screenshot({ path: `${SHOTS}overview-phone-dark.png`, fullPage: true });
  await ctx.close();
  expect(problems).toEqual([]);
}, 30_000);
