import { mkdirSync } from 'node:fs';
import type { Browser, Page } from 'playwright-core';
import type { ApiHandle } from '@beacon/api';
import { createTestDatabase, type TestDatabase } from '@beacon/testkit';
import { apiToken, SHOTS, signIn, startDashboardStack, stopDashboardStack, watchPage } from './stack.js';
import { seedAgency, squarePng } from './seed.js';
import { contrast } from '../src/contrast.js';

// The agency's own dashboard hostname in a real Chromium: the browser resolves analytics.agency.example
// to the test API (--host-resolver-rules), so the page really comes with that Host. There the login
// page carries the agency's name, logo and colour, and Beacon's name only in "Powered by"; on the
// default address the same build shows Beacon's own brand until someone signs in: the signed-in
// app wears the agency's brand on any address.

const HOST = 'analytics.agency.example';
const TEAL = '#0f766e';
let db: TestDatabase;
let api: ApiHandle;
let url: string;
let agencyUrl: string;
let browser: Browser;
let seed: Awaited<ReturnType<typeof seedAgency>>;
let admin: string;

async function adminCall(method: string, path: string, body: unknown): Promise<Response> {
  return fetch(`${url}${path}`, {
    method,
    headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
}

beforeAll(async () => {
  mkdirSync(SHOTS, { recursive: true });
  db = await createTestDatabase();
  seed = await seedAgency(db.pool);
  ({ api, url, browser } = await startDashboardStack(db, 'brand', {}, [
    `--host-resolver-rules=MAP ${HOST} 127.0.0.1`,
  ]));
  agencyUrl = `http://${HOST}:${api.port}`;
  admin = await apiToken(url, seed.users.admin);
  const logo = squarePng(32, [15, 118, 110]);
  expect(
    (
      await adminCall('PUT', '/v1/agency/branding/logo', {
        content_type: 'image/png',
        data: logo.toString('base64'),
      })
    ).status,
  ).toBe(200);
  const b = await adminCall('PATCH', '/v1/agency/branding', {
    display_name: 'Northwind Analytics',
    primary_color: TEAL,
    hostname: HOST,
  });
  expect(b.status).toBe(200);
}, 60_000);

afterAll(() => stopDashboardStack({ api, browser }, db));

/** The page's visible text without the one place Beacon may be named. */
const textBesidesPoweredBy = async (page: Page) =>
  (await page.locator('body').innerText()).replace('Powered by Beacon', '');

test("the login page on the agency's hostname carries its name, logo and colour; Beacon only in powered-by", async () => {
  const ctx = await browser.newContext({ viewport: { width: 1024, height: 720 } });
  const page = await ctx.newPage();
  const problems: string[] = [];
  watchPage(page, problems);
  await page.goto(`${agencyUrl}/`);
  const brand = page.locator('.login-form .brand');
  await brand.filter({ hasText: 'Northwind Analytics' }).waitFor();
  await page.getByRole('heading', { name: 'Sign in' }).waitFor();
  const logo = brand.locator('img.brand-logo');
  expect(await logo.evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth)).toBe(32);
  const button = page.getByRole('button', { name: 'Sign in' });
  expect(await button.evaluate((el) => getComputedStyle(el).backgroundColor)).toBe('rgb(15, 118, 110)');
  expect(await page.title()).toBe('Northwind Analytics');
  expect(await page.locator('footer.powered').innerText()).toBe('Powered by Beacon');
  expect(await textBesidesPoweredBy(page)).not.toMatch(/Beacon/i);
  await page.screenshot({ path: `${SHOTS}agency-login.png` });

  // The password pages too.
  await page.getByRole('link', { name: 'Forgot password?' }).click();
  await page.getByRole('heading', { name: 'Reset your password' }).waitFor();
  await brand.filter({ hasText: 'Northwind Analytics' }).waitFor();
  expect(await textBesidesPoweredBy(page)).not.toMatch(/Beacon/i);

  // Signed in there, the app's top bar is the agency's too.
  await signIn(page, agencyUrl, seed.users.admin);
  await page.waitForURL('**/sites/**');
  const top = page.locator('header.top .brand img.brand-logo');
  expect(await top.getAttribute('alt')).toBe('Northwind Analytics');
  expect(await page.locator('header.top').innerText()).not.toMatch(/Beacon/i);
  await page.screenshot({ path: `${SHOTS}agency-app.png` });
  // Chromium notes that it ignores helmet's Cross-Origin-Opener-Policy on plain HTTP under a hostname
  // other than localhost: a test-only artefact (an agency's hostname is served over HTTPS).
  expect(problems.filter((p) => !p.includes('Cross-Origin-Opener-Policy header has been ignored'))).toEqual(
    [],
  );
  await ctx.close();
}, 60_000);

test("the default address keeps Beacon's brand; an agency may hide powered-by", async () => {
  const ctx = await browser.newContext();
  const page = await ctx.newPage();
  const problems: string[] = [];
  watchPage(page, problems);
  await page.goto(`${url}/`);
  await page.locator('.login-form .brand').filter({ hasText: 'Beacon' }).waitFor();
  expect(await page.locator('body').innerText()).not.toContain('Northwind');
  expect(await page.locator('footer.powered').count()).toBe(0);
  expect(problems).toEqual([]);

  expect((await adminCall('PATCH', '/v1/agency/branding', { hide_powered_by: true })).status).toBe(200);
  // A new context: the brand is cacheable for a minute in the one before.
  const ctx2 = await browser.newContext();
  const page2 = await ctx2.newPage();
  await page2.goto(`${agencyUrl}/`);
  await page2.locator('.login-form .brand').filter({ hasText: 'Northwind Analytics' }).waitFor();
  expect(await page2.locator('body').innerText()).not.toMatch(/Beacon/i);
  await page2.screenshot({ path: `${SHOTS}agency-login-no-powered-by.png` });
  await ctx.close();
  await ctx2.close();
}, 60_000);

test("signed in on the default address, a client viewer sees the agency's brand; signed out, Beacon's again", async () => {
  const ctx = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const page = await ctx.newPage();
  const problems: string[] = [];
  watchPage(page, problems);
  await signIn(page, url, seed.users.viewer);
  await page.waitForURL('**/sites/**');
  const top = page.locator('header.top');
  await top.locator('.brand img.brand-logo').waitFor();
  expect(await top.locator('.brand img.brand-logo').getAttribute('alt')).toBe('Northwind Analytics');
  expect(await top.innerText()).not.toMatch(/Beacon/i);
  expect(await page.title()).toBe('Northwind Analytics');
  // The agency's colour is the accent (links, buttons).
  expect(
    await page.evaluate(() => getComputedStyle(document.documentElement).getPropertyValue('--accent').trim()),
  ).toBe(TEAL);
  await page.screenshot({ path: `${SHOTS}agency-app-default-address.png` });

  await page.getByRole('button', { name: 'Sign out' }).click();
  await page.locator('.login-form .brand').filter({ hasText: 'Beacon' }).waitFor();
  expect(await page.title()).toBe('Beacon');
  expect(
    await page.evaluate(() => getComputedStyle(document.documentElement).getPropertyValue('--accent').trim()),
  ).not.toBe(TEAL);
  expect(problems).toEqual([]);
  await ctx.close();
}, 60_000);

test("on the dark scheme the agency's colour as link text is moved until it reads at 4.5:1", async () => {
  // Teal on the dark panel is 3.2:1 as it is; the accent of links and the current tab must read.
  expect(contrast(TEAL, '#171a21')).toBeLessThan(4.5);
  const ctx = await browser.newContext({ viewport: { width: 1280, height: 800 }, colorScheme: 'dark' });
  const page = await ctx.newPage();
  const problems: string[] = [];
  watchPage(page, problems);
  await signIn(page, url, seed.users.viewer);
  await page.waitForURL('**/sites/**');
  await page.locator('.main-nav a[aria-current="page"]').waitFor();
  const [text, ground] = await page.evaluate(() => {
    const hex = (rgb: string) =>
      `#${(rgb.match(/\d+/g) ?? [])
        .slice(0, 3)
        .map((v) => Number(v).toString(16).padStart(2, '0'))
        .join('')}`;
    const link = document.querySelector('.main-nav a[aria-current="page"]')!;
    return [hex(getComputedStyle(link).color), hex(getComputedStyle(document.body).backgroundColor)];
  });
  expect(text).not.toBe(TEAL);
  expect(contrast(text, ground)).toBeGreaterThanOrEqual(4.5);
  expect(contrast(text, '#171a21')).toBeGreaterThanOrEqual(4.5);
  await page.screenshot({ path: `${SHOTS}agency-app-dark.png` });
  expect(problems).toEqual([]);
  await ctx.close();
}, 60_000);
