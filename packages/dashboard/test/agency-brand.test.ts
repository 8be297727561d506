import { mkdirSync } from 'node:fs';
import { crc32, deflateSync } from 'node:zlib';
import type { Browser, Page } from 'playwright-core';
import type { ApiHandle } from '@beacon/api';
import { createTestDatabase, type TestDatabase } from '@beacon/testkit';
import { SHOTS, signIn, startDashboardStack, stopDashboardStack, watchPage } from './stack.js';
import { seedAgency } from './seed.js';

// The agency's own dashboard hostname in a real Chromium: the browser resolves analytics.agency.example
// to the test API (--host-resolver-rules), so the page really comes with that Host. There the login
// page carries the agency's name, logo and colour, and Beacon's name only in "Powered by"; on the
// default address the same build shows Beacon's own brand.

const HOST = 'analytics.agency.example';
const TEAL = '#0f766e';
let db: TestDatabase;
let api: ApiHandle;
let url: string;
let agencyUrl: string;
let browser: Browser;
let seed: Awaited<ReturnType<typeof seedAgency>>;
let admin: string;

/** A solid square PNG (the agency's logo), made here: 8-bit RGB, one filter byte per row. */
function squarePng(size: number, [r, g, b]: [number, number, number]): Buffer {
  const chunk = (type: string, data: Buffer) => {
    const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
    const len = Buffer.alloc(4);
    len.writeUInt32BE(data.length);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(body));
    return Buffer.concat([len, body, crc]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(size, 0);
  ihdr.writeUInt32BE(size, 4);
  ihdr.set([8, 2, 0, 0, 0], 8);
  const row = Buffer.concat([
    Buffer.from([0]),
    Buffer.from(Array.from({ length: size }, () => [r, g, b]).flat()),
  ]);
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(Buffer.concat(Array.from({ length: size }, () => row)))),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

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
  const r = await fetch(`${url}/v1/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(seed.users.admin),
  });
  admin = ((await r.json()) as { access_token: string }).access_token;
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
