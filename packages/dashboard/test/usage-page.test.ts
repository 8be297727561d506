import { mkdirSync, readFileSync } from 'node:fs';
import type { Browser } from 'playwright-core';
import type { ApiHandle } from '@beacon/api';
import { HealthTally } from '@beacon/db';
import { createTestDatabase, type TestDatabase } from '@beacon/testkit';
import { SHOTS, signIn, startDashboardStack, stopDashboardStack } from './stack.js';
import { seedAgency } from './seed.js';

// The usage page in a real browser against the real API and PostgreSQL: known health counts of a site
// and known shared-dashboard calls show up as such, in the table, its tooltip and the CSV.

let db: TestDatabase;
let api: ApiHandle;
let url: string;
let browser: Browser;
let seed: Awaited<ReturnType<typeof seedAgency>>;

beforeAll(async () => {
  db = await createTestDatabase();
  seed = await seedAgency(db.pool);
  mkdirSync(SHOTS, { recursive: true });
  ({ api, url, browser } = await startDashboardStack(db, 'usage'));
}, 60_000);

afterAll(() => stopDashboardStack({ api, browser }, db));

async function token(who: { email: string; password: string }): Promise<string> {
  const r = await fetch(`${url}/v1/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(who),
  });
  return ((await r.json()) as { access_token: string }).access_token;
}

test("an admin reads the month's received, dropped and rejected hits per site and the API calls", async () => {
  const now = Date.now();
  const hour = now - (now % 3_600_000);
  const tally = new HealthTally();
  tally.add('blog0001', hour, 'received', '', 120);
  tally.add('blog0001', hour, 'dropped', 'bot:ua', 7);
  tally.add('blog0001', hour, 'dropped', 'duplicate', 2);
  tally.add('blog0001', hour, 'rejected', 'origin_not_allowed', 3);
  await tally.flush(db.pool);

  // Three calls of a shared dashboard, flushed: the browser's own calls are a user's, never a share's.
  const admin = await token(seed.users.admin);
  const link = await fetch(`${url}/v1/sites/${seed.blog}/share-links`, {
    method: 'POST',
    headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' },
    body: JSON.stringify({ label: 'Client' }),
  });
  const shareToken = ((await link.json()) as { token: string }).token;
  const session = await fetch(`${url}/v1/share/session`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ token: shareToken }),
  });
  const share = ((await session.json()) as { access_token: string }).access_token;
  for (let i = 0; i < 3; i++) {
    const r = await fetch(`${url}/v1/sites/${seed.blog}/stats/realtime`, {
      headers: { authorization: `Bearer ${share}` },
    });
    expect(r.status).toBe(200);
  }
  await api.deps.apiCalls.flush(db.pool);

  const ctx = await browser.newContext({ viewport: { width: 1280, height: 900 }, acceptDownloads: true });
  const page = await ctx.newPage();
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await signIn(page, url, seed.users.admin);
  await page.waitForURL('**/sites/**');
  await page.goto(`${url}/settings`);
  await page.getByRole('link', { name: 'Usage' }).click();
  await page.waitForURL('**/settings/usage');
  const blog = page.locator('table.usage tbody tr', { hasText: 'Blog' });
  await blog.waitFor();
  expect(await blog.locator('[data-col=events_received]').innerText()).toBe('120');
  expect(await blog.locator('[data-col=events_dropped]').innerText()).toBe('9');
  expect(await blog.locator('[data-col=events_dropped]').getAttribute('title')).toBe('bot:ua 7, duplicate 2');
  expect(await blog.locator('[data-col=events_rejected]').innerText()).toBe('3');
  const shop = page.locator('table.usage tbody tr', { hasText: 'Shop' });
  expect(await shop.locator('[data-col=events_received]').innerText()).toBe('0');
  expect(await page.locator('[data-testid=api-calls] [data-metric=share]').innerText()).toBe('3');
  expect(await page.locator('[data-testid=api-calls] [data-metric=api_key]').innerText()).toBe('0');

  const [csv] = await Promise.all([
    page.waitForEvent('download'),
    page.getByRole('button', { name: 'Export CSV' }).click(),
  ]);
  const month = new Date(hour).toISOString().slice(0, 7);
  expect(csv.suggestedFilename()).toBe(`usage-${month}.csv`);
  const text = readFileSync((await csv.path())!, 'utf8');
  expect(text.split('\r\n').find((l) => l.includes(seed.blog))).toContain(',120,9,3,');
  expect(errors).toEqual([]);
  await ctx.close();
}, 60_000);

test("a site's monthly event quota: set in its settings, warned on its pages, its share on the usage page", async () => {
  const admin = await token(seed.users.admin);
  const set = await fetch(`${url}/v1/sites/${seed.blog}`, {
    method: 'PATCH',
    headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' },
    body: JSON.stringify({ monthly_event_quota: 10 }),
  });
  expect(set.status).toBe(200);
  // Nine events stored this month, and the 80% warning the API's scheduler logged for them (its own
  // test, services/api/test/quota.test.ts, sends it through SMTP).
  await db.pool.query(
    `INSERT INTO events (id, site_id, event_name, server_timestamp)
     SELECT gen_random_uuid(), 'blog0001', 'page_view', now() FROM generate_series(1, 9)`,
  );
  await db.pool.query(
    `INSERT INTO quota_warnings (site_id, month, threshold, agency_id, events, quota)
     VALUES ($1, date_trunc('month', now() AT TIME ZONE 'UTC')::date, 80, $2, 9, 10)`,
    [seed.blog, seed.agency],
  );

  const ctx = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await ctx.newPage();
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await signIn(page, url, seed.users.admin);
  await page.waitForURL('**/sites/**');
  await page.goto(`${url}/sites/${seed.blog}/overview`);
  const notice = page.locator('.quota-notice');
  await notice.waitFor();
  expect(await notice.innerText()).toBe(
    'Blog has used 80% of its monthly quota of 10 events. Events past it are still collected: none is lost. See the usage',
  );
  await page.screenshot({ path: `${SHOTS}quota-notice.png` });

  await notice.getByRole('link', { name: 'See the usage' }).click();
  await page.waitForURL('**/settings/usage');
  const blog = page.locator('table.usage tbody tr', { hasText: 'Blog' });
  await blog.waitFor();
  expect(await blog.locator('[data-col=monthly_event_quota]').innerText()).toBe('10\n90% used');
  expect(
    await page
      .locator('table.usage tbody tr', { hasText: 'Shop' })
      .locator('[data-col=monthly_event_quota]')
      .innerText(),
  ).toBe('none');
  await page.screenshot({ path: `${SHOTS}quota-usage.png` });

  await page.goto(`${url}/settings/sites/${seed.blog}`);
  const field = page.getByLabel('Monthly event quota');
  expect(await field.inputValue()).toBe('10');
  await field.fill('20');
  await page.getByRole('button', { name: 'Save settings' }).click();
  await page.getByText('Saved.').waitFor();
  const after = await fetch(`${url}/v1/sites/${seed.blog}`, {
    headers: { authorization: `Bearer ${admin}` },
  });
  expect(((await after.json()) as { monthly_event_quota: number }).monthly_event_quota).toBe(20);
  expect(errors).toEqual([]);
  await ctx.close();
}, 60_000);
