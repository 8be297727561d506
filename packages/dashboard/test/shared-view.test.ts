import bcrypt from 'bcryptjs';
import { visitors } from './seed.js';
import { signIn, watchPage, SHOTS, usePages, useSeededDashboard } from './stack.js';

// Shared dashboards in a real browser (issue 15): an admin makes a password-protected share link on the
// site's sharing page; a visitor with no login opens it, is asked the password, sees the site's figures
// (checked against a plain-JS count) with no settings, navigation or other sites; a revoked link stops
// at once. Screenshots in test-results/dashboard/.

const d = useSeededDashboard('share');
const browserPages = usePages(d);
/** A visitor of a share link: its session answers 401 (password wanted) or 404 (revoked) on purpose. */
const shareSession = (s: number, u: string) => (s === 401 || s === 404) && u.includes('/v1/share/session');

test('an admin shares the dashboard with a password; a visitor without login sees it read only', async () => {
  const admin = await browserPages.open({ as: d.seed.users.admin });
  await admin.goto(`${d.url}/settings/sites/${d.seed.shop}`);
  await admin.getByRole('link', { name: /Share links of this dashboard/ }).click();
  await admin.getByLabel('Label (who it is for)').fill('Shop client board');
  await admin.getByLabel('Password (optional, 8+ characters)').fill('client-secret-1');
  await admin.getByRole('button', { name: 'Make the link' }).click();
  const linkBox = admin.getByLabel('The new share link');
  await linkBox.waitFor();
  const shareUrl = (await linkBox.inputValue()).replace('http://localhost:3000', d.url);
  expect(shareUrl).toMatch(/\/share\/bshl_/);
  await admin.getByRole('cell', { name: 'Shop client board' }).waitFor();
  await admin.screenshot({ path: `${SHOTS}share-links.png`, fullPage: true });

  // The agency's brand (white-label): name, colour, a logo (a small PNG), no "Powered by Beacon".
  const logo = await admin.screenshot({ clip: { x: 0, y: 0, width: 150, height: 36 } });
  const tokenRes = await fetch(`${d.url}/v1/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(d.seed.users.admin),
  });
  const adminToken = ((await tokenRes.json()) as { access_token: string }).access_token;
  const brandCall = (method: string, path: string, body: unknown) =>
    fetch(`${d.url}${path}`, {
      method,
      headers: { 'content-type': 'application/json', authorization: `Bearer ${adminToken}` },
      body: JSON.stringify(body),
    });
  expect(
    (
      await brandCall('PATCH', '/v1/agency/branding', {
        display_name: 'Northwind Analytics',
        primary_color: '#c2410c',
        hide_powered_by: true,
      })
    ).status,
  ).toBe(200);
  expect(
    (
      await brandCall('PUT', '/v1/agency/branding/logo', {
        content_type: 'image/png',
        data: logo.toString('base64'),
      })
    ).status,
  ).toBe(200);

  // A visitor: no cookies, no login.
  const visitor = await browserPages.open({ allowed: shareSession });
  await visitor.goto(shareUrl);
  await visitor.getByRole('heading', { name: 'This dashboard is protected' }).waitFor();
  await visitor.getByLabel('Password').fill('wrong-password');
  await visitor.getByRole('button', { name: 'Open the dashboard' }).click();
  await visitor.getByRole('alert').waitFor();
  await visitor.getByLabel('Password').fill('client-secret-1');
  await visitor.getByRole('button', { name: 'Open the dashboard' }).click();
  await visitor.getByText(/read-only shared dashboard/).waitFor();
  await visitor.getByLabel('Date range').selectOption('7d');
  const week = String(visitors(d.events, 6, 0));
  await visitor
    .locator('[data-metric="visitors"] .value')
    .filter({ hasText: new RegExp(`^${week}$`) })
    .waitFor({ timeout: 15_000 });
  // Read only: no settings, no site switcher, no sign-out, nobody's email.
  expect(await visitor.getByRole('link', { name: 'Settings' }).count()).toBe(0);
  expect(await visitor.getByLabel('Site').count()).toBe(0);
  expect(await visitor.content()).not.toContain(d.seed.users.admin.email);
  expect(await visitor.getByText('DB-IP').count()).toBe(1);
  expect(await visitor.getByText(/Powered by Beacon/).count()).toBe(0);
  await visitor.getByRole('img', { name: 'Northwind Analytics' }).waitFor();
  await visitor.screenshot({ path: `${SHOTS}shared-view.png`, fullPage: true });

  // Revoked on the sharing page: the visitor's next load is refused.
  await admin.getByRole('button', { name: 'Revoke' }).click();
  await admin.getByRole('cell', { name: 'revoked' }).waitFor();
  const gone = await visitor.context().newPage();
  watchPage(gone, browserPages.problems, shareSession);
  await gone.goto(shareUrl);
  await gone.getByText(/cannot be opened/).waitFor();
  await gone.screenshot({ path: `${SHOTS}shared-revoked.png` });
}, 90_000);

test('an admin invites a client limited to one site; the client sees only that site', async () => {
  const admin = await browserPages.open({ as: d.seed.users.admin });
  await admin.goto(`${d.url}/settings/users`);
  await admin.getByLabel('Email of the person').fill('analyst@client.example');
  await admin.getByRole('group', { name: 'Sites they see' }).getByLabel('Shop').check();
  await admin.getByRole('button', { name: 'Send the invitation' }).click();
  // No SMTP server in this test: the page says so plainly.
  await admin
    .getByRole('status')
    .filter({ hasText: /no email went out/ })
    .waitFor();
  await admin
    .getByRole('row', { name: /analyst@client\.example/ })
    .getByText('Shop')
    .waitFor();
  await admin.screenshot({ path: `${SHOTS}client-invite.png`, fullPage: true });
  const row = await d.db.pool.query(
    `SELECT u.site_access, array_agg(g.site_id) AS sites FROM dashboard_users u JOIN user_site_access g ON g.user_id = u.id
     WHERE u.email = 'analyst@client.example' GROUP BY u.site_access`,
  );
  expect(row.rows[0]).toEqual({ site_access: 'selected', sites: [d.seed.shop] });

  // The client (its password set as the emailed link would) sees Shop only, and the Blog URL is refused.
  await d.db.pool.query(
    `UPDATE dashboard_users SET password_hash = $1 WHERE email = 'analyst@client.example'`,
    [await bcrypt.hash('client-password-1', 4)],
  );
  const clientCtx = await d.browser.newContext({ viewport: { width: 1280, height: 900 } });
  const client = await clientCtx.newPage();
  await signIn(client, d.url, { email: 'analyst@client.example', password: 'client-password-1' });
  await client.waitForURL(`**/sites/${d.seed.shop}/overview`);
  const options = await client.getByLabel('Site').locator('option').allTextContents();
  expect(options).toEqual(['Shop']);
  await client.goto(`${d.url}/sites/${d.seed.blog}/overview`);
  await client.getByText(/does not exist or is not one of/).waitFor();
  await clientCtx.close();
}, 90_000);
