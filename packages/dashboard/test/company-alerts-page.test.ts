import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { signIn, useDashboard } from './stack.js';

// The company alerts page (site settings) in a real Chromium against the real API: an admin adds a
// webhook endpoint (its secret shown once), a rule sending to it, and reads the delivery log.

const d = useDashboard('alerts-page');

export const SCREENSHOT = join(tmpdir(), 'beacon-company-alerts-page.png');

test('an admin adds an endpoint and a rule and reads the delivery log', async () => {
  const ctx = await d.browser.newContext({ viewport: { width: 1280, height: 1400 } });
  const page = await ctx.newPage();
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await signIn(page, d.url, d.seed.users.admin, '**/sites/**');
  await page.goto(`${d.url}/settings/sites/${d.seed.blog}`);
  await page.getByRole('link', { name: 'Company alerts →' }).click();
  await page.waitForURL('**/alerts');

  // A public address (no DNS needed): loopback and private ones are refused, shown as the API's error.
  const endpoints = page.getByRole('region', { name: 'Endpoints' });
  await endpoints.getByLabel('Name').fill('Intranet');
  await endpoints.getByLabel('URL (https://…) or email addresses').fill('http://10.0.0.5/hook');
  await endpoints.getByRole('button', { name: 'Add endpoint' }).click();
  await endpoints.getByText(/private, loopback/).waitFor();
  await endpoints.getByLabel('Name').fill('CRM webhook');
  await endpoints.getByLabel('URL (https://…) or email addresses').fill('https://93.184.215.14/hooks/beacon');
  await endpoints.getByRole('button', { name: 'Add endpoint' }).click();
  const secret = await endpoints.getByLabel('Signing secret').inputValue();
  expect(secret).toMatch(/^whsec_/);
  await endpoints.locator('tbody tr', { hasText: 'CRM webhook' }).waitFor();

  const rules = page.getByRole('region', { name: 'Rules' });
  await rules.getByLabel('Name').fill('Hot accounts on pricing');
  await rules.getByLabel('Companies').selectOption('returning');
  await rules.getByLabel('Only on a high-intent page').check();
  await rules.getByLabel('Minimum lead score (optional)').fill('60');
  await rules.getByLabel('CRM webhook').check();
  await rules.getByRole('button', { name: 'Add rule' }).click();
  const row = rules.locator('tbody tr', { hasText: 'Hot accounts on pricing' });
  await row.waitFor();
  expect(await row.innerText()).toContain(
    'returning companies, on a high-intent page, score ≥ 60; once per 24 h',
  );
  expect(await row.innerText()).toContain('CRM webhook');

  // A delivery as the worker leaves it after its last failed attempt.
  const { rows } = await d.db.pool.query(`SELECT id FROM company_alert_rules`);
  const { rows: eps } = await d.db.pool.query(`SELECT id FROM alert_endpoints`);
  const { rows: alert } = await d.db.pool.query(
    `INSERT INTO company_alerts (rule_id, site_id, domain, window_start, payload) VALUES ($1, $2, 'acme.example', now(), '{}') RETURNING id`,
    [rows[0].id, d.seed.blog],
  );
  const { rows: delivery } = await d.db.pool.query(
    `INSERT INTO alert_deliveries (alert_id, endpoint_id, status, attempts) VALUES ($1, $2, 'dead', 5) RETURNING id`,
    [alert[0].id, eps[0].id],
  );
  await d.db.pool.query(
    `INSERT INTO alert_delivery_attempts (delivery_id, attempt, status_code, error, latency_ms) VALUES ($1, 5, 503, 'HTTP 503', 84)`,
    [delivery[0].id],
  );
  await page.reload();
  const log = page.getByRole('region', { name: 'Delivery log' });
  const entry = log.locator('tbody tr', { hasText: 'acme.example' });
  await entry.waitFor();
  expect(await entry.innerText()).toMatch(
    /Hot accounts on pricing\s+CRM webhook\s+dead\s+5\s+503 HTTP 503 \(84 ms\)/,
  );
  await page.screenshot({ path: SCREENSHOT, fullPage: true });
  await entry.getByRole('button', { name: 'Replay' }).click();
  // Queued again (the worker of this API may already be trying it: pending, sending or retrying).
  await log.locator('tbody tr td.delivery-dead').waitFor({ state: 'detached' });
  const { rows: after } = await d.db.pool.query(`SELECT status, generation FROM alert_deliveries`);
  expect(after[0].generation).toBe(1);
  expect(after[0].status).not.toBe('dead');
  expect(errors).toEqual([]);
  await ctx.close();
}, 90_000);
