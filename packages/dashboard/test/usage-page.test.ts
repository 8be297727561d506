import { readFileSync } from 'node:fs';
import type { Browser } from 'playwright-core';
import type { ApiHandle } from '@beacon/api';
import { HealthTally } from '@beacon/db';
import { createTestDatabase, type TestDatabase } from '@beacon/testkit';
import { signIn, startDashboardStack, stopDashboardStack } from './stack.js';
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
