import { randomUUID } from 'node:crypto';
import type { Page } from 'playwright-core';
import { dayStart, type SeedEvent } from './seed.js';
import { shows, signIn, watchPage, SHOTS, useSeededDashboard } from './stack.js';

// The conversions pages in a real browser (Chromium found by testkit) against the real API on a seeded
// database: define a goal and see it convert (numbers checked against a plain-JS count), follow it to
// the overview as a filter, build a funnel and read its steps, read web vitals and revenue, and a
// viewer without the forms. Screenshots land in test-results/dashboard/ (gitignored).

const problems: string[] = [];

/** Purchases (EUR, one reloaded) and web vitals on top of the shop's visits. */
function extras(all: SeedEvent[]): SeedEvent[] {
  const out: SeedEvent[] = [];
  const views = all.filter((e) => e.event_name === 'page_view' && e.page_path === '/pricing');
  views.forEach((v, i) => {
    const at = (ms: number) => new Date(Date.parse(v.server_timestamp) + ms).toISOString();
    out.push({
      ...v,
      id: randomUUID(),
      event_name: 'web_vitals',
      server_timestamp: at(1_000),
      properties: { lcp: 1000 + i * 150, fcp: 600 + i * 40, ttfb: 100 + i * 30, cls: (i % 5) / 20 },
    } as SeedEvent);
    if (i % 3 === 0)
      out.push({
        ...v,
        id: randomUUID(),
        event_name: 'purchase',
        server_timestamp: at(2_000),
        ecommerce_data: { transaction_id: `T${i}`, value: 40 + i, currency: 'EUR' },
      } as SeedEvent);
  });
  return out;
}

const d = useSeededDashboard('dashconv', {
  prepare: async ({ events }) => {
    events.push(...extras(events));
  },
});
beforeAll(() => d.db.pool.query('ANALYZE events'));

/** Events of the last 30 days (days 1..29 before today: the seed has nothing today). */
const inRange = (e: SeedEvent) => {
  const t = Date.parse(e.server_timestamp);
  return t >= dayStart(29) && t < dayStart(-1);
};

async function open(): Promise<Page> {
  const ctx = await d.browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await ctx.newPage();
  watchPage(page, problems);
  return page;
}

test('define a goal, see it convert, filter by it, build a funnel, read revenue and web vitals', async () => {
  const page = await open();
  await signIn(page, d.url, d.seed.users.admin, '**/overview');
  // The shop sells in EUR: its revenue currency is set in the site's settings (USD by default).
  await page.goto(`${d.url}/settings/sites/${d.seed.shop}`);
  const currency = page.getByLabel('Revenue currency (ISO 4217, e.g. EUR)');
  expect(await currency.inputValue()).toBe('USD');
  await currency.fill('eur');
  await page.getByRole('button', { name: 'Save settings' }).click();
  await page.getByText('Saved.').waitFor();
  await page.screenshot({ path: `${SHOTS}site-settings-currency.png`, fullPage: true });
  await page.goto(`${d.url}/sites/${d.seed.shop}/goals?range=30d`);
  await page.getByRole('heading', { name: 'Goals', exact: true }).waitFor();
  await page.getByText('No goal yet').waitFor();

  // Define "Signed up" (custom event signup): conversions and converters = the plain-JS count.
  const signups = d.events.filter((e) => inRange(e) && e.event_name === 'signup');
  const converters = new Set(signups.map((e) => e.client_id));
  expect(signups.length).toBeGreaterThan(3);
  const form = page.locator('form', { has: page.getByRole('button', { name: 'Add goal' }) });
  await form.getByLabel('Name', { exact: true }).fill('Signed up');
  await form.getByLabel('Counts when').selectOption('event');
  await form.getByLabel('Event name').fill('signup');
  await form.getByLabel(/Value per conversion/).fill('5');
  await form.getByRole('button', { name: 'Add goal' }).click();
  const row = page.locator('tr[data-goal="Signed up"]');
  await shows(row.locator('[data-col="conversions"]'), String(signups.length));
  await shows(row.locator('[data-col="converters"]'), String(converters.size));
  // A page goal with a wildcard: /blog/* (the seed's /blog/launch).
  await form.getByLabel('Name', { exact: true }).fill('Read the blog');
  await form.getByLabel('Counts when').selectOption('page');
  await form.getByLabel(/Page path/).fill('/blog/*');
  await form.getByRole('button', { name: 'Add goal' }).click();
  const blog = d.events.filter(
    (e) => inRange(e) && e.event_name === 'page_view' && e.page_path === '/blog/launch',
  );
  await shows(page.locator('tr[data-goal="Read the blog"] [data-col="conversions"]'), String(blog.length));

  // Revenue: orders of the range in EUR, counted in the site's currency (none set apart as sent).
  const orders = d.events.filter((e) => inRange(e) && e.event_name === 'purchase');
  await shows(page.locator('[data-metric="orders"]'), String(orders.length));
  expect(await page.locator('[data-metric="revenue"]').textContent()).toMatch(/^€/);
  expect(await page.locator('[data-revenue]').textContent()).not.toContain('as sent');
  await page.screenshot({ path: `${SHOTS}goals.png`, fullPage: true });

  // "Visitors" of a goal: the overview filtered to those who converted.
  await row.getByRole('button', { name: 'Visitors' }).click();
  await page.waitForURL(/\/overview\?.*goal=/);
  await shows(page.locator('[data-metric="visitors"] .value'), String(converters.size));
  // The filter chip names the goal, not its id.
  await shows(page.locator('.chip strong'), 'Signed up');
  await page.screenshot({ path: `${SHOTS}overview-goal-filter.png` });

  // Conversion rate per row of the breakdown panels for a chosen goal (not a filter): top pages,
  // against the plain-JS count (visitors of the page whose visit had a signup / visitors of the page).
  await page.goto(`${d.url}/sites/${d.seed.shop}/overview?range=30d`);
  await page.getByLabel('Conversion rate for').selectOption({ label: 'Signed up' });
  await page.waitForURL(/conversion_goal=/);
  const converted = new Set(signups.map((e) => e.session_id));
  const pageRate = (path: string) => {
    const views = d.events.filter((e) => inRange(e) && e.event_name === 'page_view' && e.page_path === path);
    const all = new Set(views.map((e) => e.client_id));
    const conv = new Set(views.filter((e) => converted.has(e.session_id)).map((e) => e.client_id));
    return `${((100 * conv.size) / all.size).toFixed(1)}%`;
  };
  const rates = page.locator('[data-dimension="pages"] tbody tr');
  await page.locator('[data-dimension="pages"] [data-col="conversion_rate"]').first().waitFor();
  const n = await rates.count();
  expect(n).toBeGreaterThan(0);
  for (let i = 0; i < n; i++) {
    const tr = rates.nth(i);
    const path = (await tr.locator('td').first().textContent())!.trim();
    expect([path, (await tr.locator('[data-col="conversion_rate"]').textContent())!.trim()]).toEqual([
      path,
      pageRate(path),
    ]);
  }
  await page.screenshot({ path: `${SHOTS}overview-conversion-rate.png`, fullPage: true });

  // Save the current filters (country DE) as a segment, then apply it from the list: the overview
  // counts the German visitors of the range (plain-JS count).
  await page.goto(`${d.url}/sites/${d.seed.shop}/goals?range=30d&country=DE`);
  await page.getByLabel('Save the current filters as').fill('Germans');
  await page.getByRole('button', { name: 'Save segment' }).click();
  await page.goto(`${d.url}/sites/${d.seed.shop}/goals?range=30d`);
  await page.getByRole('button', { name: 'Germans', exact: true }).click();
  await page.waitForURL(/\/overview\?.*segment=/);
  const germans = new Set(d.events.filter((e) => inRange(e) && e.country === 'DE').map((e) => e.client_id));
  await shows(page.locator('[data-metric="visitors"] .value'), String(germans.size));
  await shows(page.locator('.chip strong'), 'Germans');

  // Segments are renamed and deleted from the list.
  await page.goto(`${d.url}/sites/${d.seed.shop}/goals?range=30d`);
  const sg = page.locator('li[data-segment="Germans"]');
  await sg.getByRole('button', { name: 'Rename' }).click();
  await page.getByLabel('New name of Germans').fill('German visitors');
  await sg.getByRole('button', { name: 'Save' }).click();
  const renamed = page.locator('li[data-segment="German visitors"]');
  await renamed.waitFor();
  await page.screenshot({ path: `${SHOTS}segments.png`, fullPage: true });
  await renamed.getByRole('button', { name: 'Delete German visitors' }).click();
  await renamed.getByRole('button', { name: 'Confirm deleting German visitors' }).click();
  await page.getByText('No saved segment yet.').waitFor();

  // Build a session funnel: page /pricing, then the goal "Signed up".
  await page.goto(`${d.url}/sites/${d.seed.shop}/funnels?range=30d`);
  await page.getByText('No funnel yet').waitFor();
  await page.getByLabel('Name', { exact: true }).fill('Pricing to signup');
  await page.getByLabel('Step 1', { exact: true }).fill('/pricing');
  await page.getByLabel('Step 2 kind').selectOption('goal');
  await page.getByLabel('Step 2', { exact: true }).selectOption({ label: 'Signed up' });
  await page.getByRole('button', { name: 'Save funnel' }).click();
  // Reference: sessions of the range with a /pricing view, and of those a later signup.
  const sessions = new Map<string, SeedEvent[]>();
  for (const e of d.events
    .filter(inRange)
    .sort((a, b) => a.server_timestamp.localeCompare(b.server_timestamp)))
    sessions.set(e.session_id!, [...(sessions.get(e.session_id!) ?? []), e]);
  const step1 = new Set<string>();
  const step2 = new Set<string>();
  for (const evs of sessions.values()) {
    const i = evs.findIndex((e) => e.event_name === 'page_view' && e.page_path === '/pricing');
    if (i < 0) continue;
    step1.add(evs[i]!.client_id!);
    if (evs.slice(i + 1).some((e) => e.event_name === 'signup')) step2.add(evs[i]!.client_id!);
  }
  expect(step2.size).toBeGreaterThan(0);
  await shows(page.locator('tr[data-step="1"] [data-col="visitors"]'), String(step1.size));
  await shows(page.locator('tr[data-step="2"] [data-col="visitors"]'), String(step2.size));
  await page.screenshot({ path: `${SHOTS}funnel.png`, fullPage: true });

  // Web vitals: p75 of LCP over the range (percentile_cont).
  const lcp = d.events
    .filter((e) => inRange(e) && e.event_name === 'web_vitals')
    .map((e) => (e as { properties: { lcp: number } }).properties.lcp)
    .sort((a, b) => a - b);
  const pos = (lcp.length - 1) * 0.75;
  const p75 =
    lcp[Math.floor(pos)]! + (lcp[Math.ceil(pos)]! - lcp[Math.floor(pos)]!) * (pos - Math.floor(pos));
  await page.goto(`${d.url}/sites/${d.seed.shop}/vitals?range=30d`);
  await shows(page.locator('[data-vital="lcp"] .value'), `${Math.round(p75)} ms`);
  await page
    .getByRole('cell', { name: 'desktop' })
    .or(page.getByRole('rowheader', { name: '/pricing' }))
    .first()
    .waitFor();
  await page.screenshot({ path: `${SHOTS}web-vitals.png`, fullPage: true });
  await page.context().close();

  // A viewer reads the same, without the forms.
  const v = await open();
  await signIn(v, d.url, d.seed.users.viewer, '**/overview');
  await v.goto(`${d.url}/sites/${d.seed.shop}/goals?range=30d`);
  await shows(v.locator('tr[data-goal="Signed up"] [data-col="conversions"]'), String(signups.length));
  expect(await v.getByRole('button', { name: 'Add goal' }).count()).toBe(0);
  expect(await v.getByRole('button', { name: 'Delete' }).count()).toBe(0);
  await v.goto(`${d.url}/sites/${d.seed.shop}/funnels?range=30d`);
  await shows(v.locator('tr[data-step="2"] [data-col="visitors"]'), String(step2.size));
  expect(await v.getByRole('button', { name: 'Save funnel' }).count()).toBe(0);
  await v.context().close();
  expect(problems).toEqual([]);
}, 120_000);
