import type { Page } from 'playwright-core';
import { squarePng } from './seed.js';
import { apiToken, SHOTS, signIn, useSeededDashboard, watchPage } from './stack.js';

// Settings → Branding in a real Chromium against the real API and PostgreSQL: an admin sets the
// agency's name, colour, logo and dashboard hostname (bad input refused with a clear message), the
// values survive a reload, the top bar on the agency's hostname follows a save without a reload, a
// viewer cannot use the page, and a protected share link's password page carries the brand.

const HOST = 'analytics.agency.example';
const TAKEN = 'taken.agency.example';
const logo = squarePng(32, [15, 118, 110]);
const d = useSeededDashboard('branding', {
  chromiumArgs: [`--host-resolver-rules=MAP ${HOST} 127.0.0.1`],
  // Another agency already has a hostname: taking it is a 409.
  prepare: async ({ db }) => {
    const other = await db.pool.query<{ id: string }>(
      `INSERT INTO agencies (name, email, api_key, api_key_prefix) VALUES ('Other', 'ops@other.test', 'y', 'bk_00000001') RETURNING id`,
    );
    await db.pool.query(`INSERT INTO agency_branding (agency_id, hostname) VALUES ($1, $2)`, [
      other.rows[0]!.id,
      TAKEN,
    ]);
  },
});

/** The answers this file provokes on purpose besides "not signed in": a taken hostname, a fake logo. */
const expected = (s: number, u: string) =>
  (s === 401 && u.includes('/v1/auth/')) ||
  (s === 409 && u.endsWith('/v1/agency/branding')) ||
  (s === 400 && u.endsWith('/v1/agency/branding/logo'));
const realProblems = (problems: string[]) =>
  // Chromium ignores COOP on plain HTTP under a hostname other than localhost (agency-brand.test.ts).
  problems.filter((p) => !p.includes('Cross-Origin-Opener-Policy header has been ignored'));

/** A fresh browser context's page whose problems (besides `allowed` answers) are collected. */
async function freshPage(
  viewport: { width: number; height: number },
  allowed?: (status: number, url: string) => boolean,
) {
  const ctx = await d.browser.newContext({ viewport });
  const page = await ctx.newPage();
  const problems: string[] = [];
  watchPage(page, problems, allowed);
  return { ctx, page, problems };
}

async function openBranding(page: Page): Promise<void> {
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Settings' }).click();
  await page.getByRole('navigation', { name: 'Settings' }).getByRole('link', { name: 'Branding' }).click();
  await page.getByRole('heading', { name: 'Branding', level: 1 }).waitFor();
  await page.getByLabel('Display name').waitFor();
}

const save = (page: Page) => page.getByRole('button', { name: 'Save branding' }).click();
const saved = (page: Page) => page.getByRole('status').filter({ hasText: 'Saved.' }).waitFor();
const alert = (page: Page, text: string) => page.getByRole('alert').filter({ hasText: text }).waitFor();

test('an admin sets name, colour, logo and hostname; bad input is refused clearly; a reload keeps them', async () => {
  const { ctx, page, problems } = await freshPage({ width: 1280, height: 900 }, expected);
  await signIn(page, d.url, d.seed.users.admin);
  await page.waitForURL('**/sites/**');
  await openBranding(page);

  await page.getByLabel('Display name').fill('Northwind Analytics');
  await page.getByLabel('Primary colour (hex').fill('teal');
  await save(page);
  await alert(page, '“teal” is not a colour: give # and six hex digits, such as #1d4ed8.');
  const file = page.getByLabel('Logo (PNG, JPEG, WebP; at most 64 KB)');
  const big = Buffer.concat([logo, Buffer.alloc(70 * 1024)]);
  await file.setInputFiles({ name: 'big.png', mimeType: 'image/png', buffer: big });
  await alert(page, `“big.png” is ${Math.round(big.length / 1024)} KB: a logo may be at most 64 KB.`);
  await file.setInputFiles({ name: 'logo.svg', mimeType: 'image/svg+xml', buffer: Buffer.from('<svg/>') });
  await alert(page, '“logo.svg” is not a PNG, JPEG or WebP image.');
  await page.screenshot({ path: `${SHOTS}branding-errors.png`, fullPage: true });

  // A light colour gets dark text on its buttons (the preview follows as one types).
  await page.getByLabel('Primary colour (hex').fill('#fde047');
  const previewButton = page.getByTestId('login-preview').locator('.preview-button');
  expect(await previewButton.evaluate((el) => getComputedStyle(el).color)).toBe('rgb(17, 24, 39)');
  await page.getByLabel('Primary colour (hex').fill('#0F766E');
  await file.setInputFiles({ name: 'logo.png', mimeType: 'image/png', buffer: logo });
  await page.locator('.logo-preview img').waitFor();
  await page.getByLabel('Dashboard hostname').fill(TAKEN);
  await save(page);
  await alert(page, 'Another agency already has this dashboard hostname: choose another name.');
  expect(await page.getByLabel('Dashboard hostname').getAttribute('aria-invalid')).toBe('true');
  await page.screenshot({ path: `${SHOTS}branding-hostname-taken.png`, fullPage: true });
  await page.getByLabel('Dashboard hostname').fill(HOST.toUpperCase());
  // A file whose bytes are not its type passes the browser's check, not the API's: said plainly.
  const jpegBytes = Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0, 0x10, 0x4a, 0x46, 0x49, 0x46, 0, 1]);
  await file.setInputFiles({ name: 'fake.png', mimeType: 'image/png', buffer: jpegBytes });
  await save(page);
  await alert(
    page,
    'The other fields were saved, but not the logo: invalid body: data: the bytes are image/jpeg',
  );
  await file.setInputFiles({ name: 'logo.png', mimeType: 'image/png', buffer: logo });
  await save(page);
  await saved(page);

  // The preview: the name beside the logo, a button in the colour, "Powered by Beacon".
  const preview = page.getByTestId('login-preview');
  expect(await preview.locator('.brand').innerText()).toBe('Northwind Analytics');
  expect(
    await preview.locator('.preview-button').evaluate((el) => getComputedStyle(el).backgroundColor),
  ).toBe('rgb(15, 118, 110)');
  expect(await preview.locator('footer.powered').innerText()).toBe('Powered by Beacon');
  await page.screenshot({ path: `${SHOTS}branding-page.png`, fullPage: true });

  await page.reload();
  await page.getByLabel('Display name').waitFor();
  expect(await page.getByLabel('Display name').inputValue()).toBe('Northwind Analytics');
  expect(await page.getByLabel('Primary colour (hex').inputValue()).toBe('#0f766e');
  expect(await page.getByLabel('Dashboard hostname').inputValue()).toBe(HOST);
  const stored = page.locator('.logo-preview img');
  await stored.waitFor();
  expect(await stored.evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth)).toBe(32);
  expect(await page.getByLabel('Hide “Powered by Beacon”').isChecked()).toBe(false);
  // What the API stored: the very bytes of the file.
  const admin = await apiToken(d.url, d.seed.users.admin);
  const brand = (await (
    await fetch(`${d.url}/v1/agency/brand`, { headers: { authorization: `Bearer ${admin}` } })
  ).json()) as { logo: string };
  expect(brand.logo).toBe(`data:image/png;base64,${logo.toString('base64')}`);
  expect(realProblems(problems)).toEqual([]);
  await ctx.close();
}, 90_000);

test("on the agency's hostname the top bar follows a saved brand without a reload", async () => {
  const { ctx, page, problems } = await freshPage({ width: 1280, height: 900 }, expected);
  await signIn(page, `http://${HOST}:${d.api.port}`, d.seed.users.admin);
  await page.waitForURL('**/sites/**');
  const topBrand = page.locator('header.top .brand');
  expect(await topBrand.locator('img.brand-logo').getAttribute('alt')).toBe('Northwind Analytics');
  await openBranding(page);
  await page.evaluate(() => Object.assign(window, { beforeSave: true }));

  await page.getByLabel('Display name').fill('Northwind Studio');
  await page.getByLabel('Primary colour (hex').fill('#b45309');
  await page.getByRole('button', { name: 'Remove the logo' }).click();
  await page.getByLabel('Hide “Powered by Beacon”').check();
  await save(page);
  await saved(page);
  // Without a logo the top bar names the agency; its accent is the new colour; the page never reloaded.
  await topBrand.filter({ hasText: 'Northwind Studio' }).waitFor();
  expect(await topBrand.locator('img').count()).toBe(0);
  expect(await page.title()).toBe('Northwind Studio');
  const button = page.getByRole('button', { name: 'Save branding' });
  expect(await button.evaluate((el) => getComputedStyle(el).backgroundColor)).toBe('rgb(180, 83, 9)');
  expect(await page.evaluate(() => (window as unknown as { beforeSave?: boolean }).beforeSave)).toBe(true);
  expect(await page.getByTestId('login-preview').locator('footer.powered').count()).toBe(0);
  expect(await page.locator('header.top').innerText()).not.toMatch(/Beacon/i);
  await page.screenshot({ path: `${SHOTS}branding-live-top-bar.png` });
  // Narrow and dark: the preview goes under the form, nothing overflows.
  await page.emulateMedia({ colorScheme: 'dark' });
  await page.setViewportSize({ width: 420, height: 900 });
  expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(420);
  // White text on the dark brand colour, even where the dark scheme's own accent takes dark text.
  expect(await button.evaluate((el) => getComputedStyle(el).color)).toBe('rgb(255, 255, 255)');
  await page.screenshot({ path: `${SHOTS}branding-narrow-dark.png`, fullPage: true });
  expect(realProblems(problems)).toEqual([]);
  await ctx.close();
}, 60_000);

test('a viewer has no Branding page: no link, a clear refusal at its address', async () => {
  const { ctx, page, problems } = await freshPage({ width: 1280, height: 800 });
  await signIn(page, d.url, d.seed.users.viewer);
  await page.waitForURL('**/sites/**');
  await page.goto(`${d.url}/settings`);
  const nav = page.getByRole('navigation', { name: 'Settings' });
  await nav.getByRole('link', { name: 'Sites' }).waitFor();
  expect(await nav.getByRole('link', { name: 'Branding' }).count()).toBe(0);
  await page.goto(`${d.url}/settings/branding`);
  await alert(page, 'Only agency admins can open this page.');
  expect(await page.getByLabel('Display name').count()).toBe(0);
  await page.screenshot({ path: `${SHOTS}branding-viewer.png` });
  expect(problems).toEqual([]);
  await ctx.close();
}, 60_000);

test("a protected share link's password page carries the agency's brand and nothing of the site", async () => {
  const admin = await apiToken(d.url, d.seed.users.admin);
  const made = await fetch(`${d.url}/v1/sites/${d.seed.blog}/share-links`, {
    method: 'POST',
    headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' },
    body: JSON.stringify({ label: 'For the client', password: 'client-password-1' }),
  });
  const { token } = (await made.json()) as { token: string };
  // The 401 that asks for the password is the page's normal first answer.
  const { ctx, page, problems } = await freshPage(
    { width: 1024, height: 720 },
    (s, u) => s === 401 && u.endsWith('/v1/share/session'),
  );
  await page.goto(`${d.url}/share/${token}`);
  await page.getByRole('heading', { name: 'This dashboard is protected' }).waitFor();
  await page.locator('.login-form .brand').filter({ hasText: 'Northwind Studio' }).waitFor();
  const button = page.getByRole('button', { name: 'Open the dashboard' });
  expect(await button.evaluate((el) => getComputedStyle(el).backgroundColor)).toBe('rgb(180, 83, 9)');
  const text = await page.locator('body').innerText();
  expect(text).not.toMatch(/Beacon|Blog|For the client/);
  await page.screenshot({ path: `${SHOTS}branding-share-password.png` });
  await page.getByLabel('Password').fill('client-password-1');
  await button.click();
  await page.locator('header.top .agency').filter({ hasText: 'For the client' }).waitFor();
  // The blog has no visits in this period: the shared view says so, without the tracking snippet
  // (a share link may read figures only; asking for the snippet would be refused).
  await page.getByRole('heading', { name: 'No visits in this period yet' }).waitFor();
  expect(await page.getByLabel('Tracking snippet').count()).toBe(0);
  expect(problems).toEqual([]);
  await ctx.close();
}, 60_000);
