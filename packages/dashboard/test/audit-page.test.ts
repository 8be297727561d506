import type { Browser, Page } from 'playwright-core';
import type { ApiHandle } from '@beacon/api';
import { createTestDatabase, type TestDatabase } from '@beacon/testkit';
import { signIn, startDashboardStack, stopDashboardStack } from './stack.js';
import { seedAgency } from './seed.js';

// The audit log page in a real browser (Chromium, found by testkit's launchChromium) against the real API: an admin's changes
// made through the API show up with who and from where, the filter narrows them, a viewer is refused.

let db: TestDatabase;
let api: ApiHandle;
let url: string;
let browser: Browser;
let seed: Awaited<ReturnType<typeof seedAgency>>;

async function apiAs(who: { email: string; password: string }) {
  const r = await fetch(`${url}/v1/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(who),
  });
  const token = ((await r.json()) as { access_token: string }).access_token;
  return (method: string, path: string, body?: unknown) =>
    fetch(`${url}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${token}`,
        'content-type': 'application/json',
        'user-agent': 'audit-page-test',
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
}

async function login(page: Page, who: { email: string; password: string }) {
  await signIn(page, url, who);
  await page.waitForURL('**/sites/**');
}

beforeAll(async () => {
  db = await createTestDatabase();
  seed = await seedAgency(db.pool);
  ({ api, url, browser } = await startDashboardStack(db, 'audit'));
}, 60_000);

afterAll(() => stopDashboardStack({ api, browser }, db));

test('an admin reads who changed what, filters it; a viewer is refused', async () => {
  const admin = await apiAs(seed.users.admin);
  expect((await admin('POST', '/v1/sites', { name: 'Audited', domain: 'audited.example' })).status).toBe(201);
  expect((await admin('POST', '/v1/privacy/find', { client_id: 'someone' })).status).toBe(200);

  const ctx = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await ctx.newPage();
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await login(page, seed.users.admin);
  await page.goto(`${url}/settings`);
  await page.getByRole('link', { name: 'Audit log' }).click();
  await page.waitForURL('**/settings/audit');
  const rows = page.locator('table.audit tbody tr');
  await rows.first().waitFor();
  expect(await rows.count()).toBe(2);
  const newest = await rows.nth(0).innerText();
  expect(newest).toContain('privacy.find');
  expect(newest).toContain('identifiers: client_id');
  expect(newest).not.toContain('someone');
  const site = await rows.nth(1).innerText();
  expect(site).toContain('site.create');
  expect(site).toContain(seed.users.admin.email);
  expect(site).toContain('127.0.0.1');

  await page.getByLabel('Show').selectOption({ label: 'Sites' });
  await page.waitForFunction(() => document.querySelectorAll('table.audit tbody tr').length === 1);
  expect(await rows.nth(0).innerText()).toContain('site.create');
  await page.getByLabel('Show').selectOption({ label: 'API keys' });
  await page.getByText('No entries.').waitFor();
  expect(errors).toEqual([]);

  const vctx = await browser.newContext();
  const vpage = await vctx.newPage();
  await login(vpage, seed.users.viewer);
  await vpage.goto(`${url}/settings`);
  await vpage.getByRole('link', { name: 'Sites' }).first().waitFor();
  expect(await vpage.getByRole('link', { name: 'Audit log' }).count()).toBe(0);
  await vpage.goto(`${url}/settings/audit`);
  await vpage.getByText('Only agency admins can open this page.').waitFor();
  await ctx.close();
  await vctx.close();
}, 60_000);
