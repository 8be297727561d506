import { randomBytes } from 'node:crypto';
import { request } from 'node:http';
import bcrypt from 'bcryptjs';
import type { Browser } from 'playwright-core';
import { startApi, type ApiHandle } from '@beacon/api';
import { parseConfig } from '@beacon/config';
import { dashboardDir } from '@beacon/dashboard';
import { silentObservability } from '@beacon/observability';
import { apiTestEnv, HEADLESS_ARGS, launchChromium, uniquePrefix } from '@beacon/testkit';
import { healthOf, usePipeline } from './pipeline.js';
import { CHROME_UA } from '../user-agents.js';

// Real, end to end: hits of each kind sent to the collector, the enricher and writer counting them in
// ingestion_health, the API serving the built dashboard, Chromium reading the site's settings page.
// Every number the test asserts is one the test sent.

const admin = { email: 'ops@health.test', password: 'health-password-1' };
let api: ApiHandle;
let browser: Browser;

// Registered before usePipeline's hooks, so these close before the pipeline and its database go.
afterAll(async () => {
  await browser?.close();
  await api?.close();
}, 60_000);

const p = usePipeline(async (pipe) => {
  const site = await pipe.addSite('shop.example', { timezone: 'UTC' });
  const token = await pipe.addToken(site);
  const { rows } = await pipe.db.pool.query(`SELECT id FROM sites WHERE script_id = $1`, [site]);
  await pipe.db.pool.query(
    `INSERT INTO dashboard_users (agency_id, email, password_hash, role) VALUES ($1, $2, $3, 'admin')`,
    [pipe.agencyId, admin.email, await bcrypt.hash(admin.password, 4)],
  );
  const config = parseConfig(apiTestEnv(pipe.db.url, uniquePrefix('health-panel')));
  api = await startApi(config, {
    port: 0,
    host: '127.0.0.1',
    redis: null,
    ...silentObservability('api'),
    dashboardDir: dashboardDir(),
  });
  browser = await launchChromium({ args: HEADLESS_ARGS });
  return { site, siteId: rows[0].id as string, token };
});

/** A POST with exactly these headers (node:http adds no User-Agent of its own, unlike fetch). */
function post(path: string, headers: Record<string, string>, body: unknown): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(`${p.url}${path}`, { method: 'POST', headers }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode!));
    });
    req.on('error', reject);
    req.end(JSON.stringify(body));
  });
}

const browserHeaders = {
  'content-type': 'text/plain',
  origin: 'https://shop.example',
  'user-agent': CHROME_UA,
};
const pageView = (id: string) => ({
  event_name: 'page_view',
  event_id: id,
  page_url: 'https://shop.example/',
});

test("the site's ingestion health panel shows what happened to the hits sent", async () => {
  const id = () => `ev-${randomBytes(6).toString('hex')}`;
  const batch = (events: unknown[]) => ({ site_id: p.site, events });
  // 2 browser hits: stored.
  expect(await post('/v1/batch', browserHeaders, batch([pageView(id()), pageView(id())]))).toBe(202);
  // A backend's event without a User-Agent on the server-side path: stored, flagged.
  const server = { 'content-type': 'application/json', authorization: `Bearer ${p.token}` };
  expect(await post('/v1/events', server, { event_name: 'signup', event_id: id() })).toBe(202);
  // The same without a User-Agent on the browser path: accepted, then dropped as a bot.
  const noUa = { 'content-type': 'text/plain', origin: 'https://shop.example' };
  expect(await post('/v1/batch', noUa, batch([pageView(id())]))).toBe(202);
  // From an origin the site does not allow: rejected.
  const elsewhere = { ...browserHeaders, origin: 'https://copycat.example' };
  expect(await post('/v1/batch', elsewhere, batch([pageView(id())]))).toBe(403);
  // A retry of one event: stored once, dropped once as a duplicate.
  const retried = id();
  for (let i = 0; i < 2; i++)
    expect(await post('/v1/batch', browserHeaders, batch([pageView(retried)]))).toBe(202);
  await p.settle();
  expect(await healthOf(p.db, p.site)).toEqual({
    received: 7,
    'rejected/origin_not_allowed': 1,
    'dropped/bot:no_user_agent': 1,
    'dropped/duplicate': 1,
    stored: 4,
  });

  const page = await browser.newPage();
  const dashboard = `http://127.0.0.1:${api.port}`;
  await page.goto(`${dashboard}/`);
  await page.getByLabel('Email').fill(admin.email);
  await page.getByLabel('Password').fill(admin.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL(/\/sites\//);
  await page.goto(`${dashboard}/settings/sites/${p.siteId}`);
  const totals = page.getByTestId('ingestion-totals');
  await totals.waitFor();
  const facts = await totals.locator('dd').allInnerTexts();
  expect(facts.map((f) => f.split('\n'))).toEqual([
    ['7'],
    ['1', '1 from a domain not in Allowed domains'],
    ['2', '1 bot: no User-Agent', '1 duplicate (a retry)'],
    ['0'],
    ['4'],
    ['0'],
  ]);
  expect(await page.locator('[data-warning]').allInnerTexts()).toEqual([
    "1 hit in the last 24 h came from a domain not in the site's Allowed domains and was refused.\n" +
      "If the domain is yours, add it to Allowed domains in the site's settings; otherwise someone else is using your snippet.",
  ]);
  // The hourly table: its rows add up to the totals (the hits may straddle an hour boundary).
  const table = page.getByRole('table', { name: 'Hits per hour' });
  const rows = await table
    .locator('tbody tr')
    .evaluateAll((trs) =>
      trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => Number(td.firstChild?.textContent))),
    );
  const column = (i: number) => rows.reduce((a, r) => a + r[i]!, 0);
  expect([1, 2, 3, 4, 5].map(column)).toEqual([7, 1, 2, 0, 4]);
  expect(await table.locator('tbody tr').first().innerText()).toMatch(/^\w{3} \d+ \w{3}, \d\d:00\t/);

  // The token list: created today, used by the server-side event above.
  const tokenRow = page.getByRole('row', { name: /bit_/ });
  const cells = await tokenRow.locator('td').allInnerTexts();
  const today = new Intl.DateTimeFormat('en-GB', { dateStyle: 'medium', timeZone: 'UTC' }).format(new Date());
  expect(cells[1]).toBe('test');
  expect(cells[2]).toContain(today);
  expect(cells[3]).toContain(today);
}, 120_000);
