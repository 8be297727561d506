import { apiToken, signIn, useDashboard } from './stack.js';

// The audit log page in a real browser (Chromium, found by testkit's launchChromium) against the real API: an admin's changes
// made through the API show up with who and from where, the filter narrows them, a viewer is refused.

const d = useDashboard('audit');

async function apiAs(who: { email: string; password: string }) {
  const token = await apiToken(d.url, who);
  return (method: string, path: string, body?: unknown) =>
    fetch(`${d.url}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${token}`,
        'content-type': 'application/json',
        'user-agent': 'audit-page-test',
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
}

test('an admin reads who changed what, filters it; a viewer is refused', async () => {
  const admin = await apiAs(d.seed.users.admin);
  expect((await admin('POST', '/v1/sites', { name: 'Audited', domain: 'audited.example' })).status).toBe(201);
  expect((await admin('POST', '/v1/privacy/find', { client_id: 'someone' })).status).toBe(200);

  const ctx = await d.browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await ctx.newPage();
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await signIn(page, d.url, d.seed.users.admin, '**/sites/**');
  await page.goto(`${d.url}/settings`);
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
  expect(site).toContain(d.seed.users.admin.email);
  expect(site).toContain('127.0.0.1');

  await page.getByLabel('Show').selectOption({ label: 'Sites' });
  await page.waitForFunction(() => document.querySelectorAll('table.audit tbody tr').length === 1);
  expect(await rows.nth(0).innerText()).toContain('site.create');
  await page.getByLabel('Show').selectOption({ label: 'API keys' });
  await page.getByText('No entries.').waitFor();
  expect(errors).toEqual([]);

  const vctx = await d.browser.newContext();
  const vpage = await vctx.newPage();
  await signIn(vpage, d.url, d.seed.users.viewer, '**/sites/**');
  await vpage.goto(`${d.url}/settings`);
  await vpage.getByRole('link', { name: 'Sites' }).first().waitFor();
  expect(await vpage.getByRole('link', { name: 'Audit log' }).count()).toBe(0);
  await vpage.goto(`${d.url}/settings/audit`);
  await vpage.getByText('Only agency admins can open this page.').waitFor();
  await ctx.close();
  await vctx.close();
}, 60_000);
