import { signIn, useDashboard } from './stack.js';

// The ingestion health panel and the ingest tokens panel of a site's settings in a real browser
// (Chromium, found by testkit's launchChromium) against the real API: the warnings show, a token is shown once and revoked.

const d = useDashboard('dash-ingest', {
  prepare: async ({ db }) => {
    const hour = new Date(Date.now() - (Date.now() % 3_600_000));
    for (const [outcome, reason, n] of [
      ['received', '', 9],
      ['dropped', 'bot:no_user_agent', 6],
      ['rejected', 'origin_not_allowed', 3],
    ] as const)
      await db.pool.query(
        `INSERT INTO ingestion_health (site_id, hour, outcome, reason, count) VALUES ('shop0001', $1, $2, $3, $4)`,
        [hour, outcome, reason, n],
      );
  },
});

test("a site's settings show ingestion warnings to act on and manage ingest tokens", async () => {
  const page = await d.browser.newPage();
  await signIn(page, d.url, d.seed.users.admin, /\/sites\//);
  await page.goto(`${d.url}/settings/sites/${d.seed.shop}`);
  const noUa = page.locator('[data-warning="all_dropped_no_user_agent"]');
  await noUa.waitFor();
  expect(await noUa.textContent()).toMatch(
    /All 6 hits of the last hour were dropped as bots: no User-Agent\./,
  );
  expect(await noUa.textContent()).toMatch(/POST \/v1\/events/);
  expect(await page.locator('[data-warning="origin_not_allowed"]').textContent()).toMatch(
    /3 hits in the last 24 h came from a domain not in the site's Allowed domains and were refused/,
  );
  expect(await page.getByTestId('ingestion-totals').textContent()).toMatch(/Received9/);
  // Reasons in words, not the API's codes.
  expect(await page.getByTestId('ingestion-totals').innerText()).toMatch(
    /Rejected\s+3\s+3 from a domain not in Allowed domains\s+Dropped\s+6\s+6 bot: no User-Agent\s/,
  );

  await page.getByLabel('Name').last().fill('shop backend');
  await page.getByRole('button', { name: 'Create token' }).click();
  const shown = page.getByRole('status').filter({ hasText: 'shown this once' });
  await shown.waitFor();
  expect(await shown.locator('code').textContent()).toMatch(/^bit_[A-Za-z0-9_-]{43}$/);
  const today = new Intl.DateTimeFormat('en-GB', { dateStyle: 'medium', timeZone: 'UTC' }).format(new Date());
  const row = page.getByRole('row', { name: /shop backend/ });
  expect((await row.locator('td').allInnerTexts()).slice(1, 4)).toEqual([
    'shop backend',
    expect.stringContaining(today),
    'never',
  ]);
  await page.getByRole('button', { name: 'Revoke' }).click();
  await page.getByRole('cell', { name: 'revoked' }).waitFor();
  const { rows } = await d.db.pool.query(`SELECT name, revoked_at FROM site_ingest_tokens`);
  expect(rows).toHaveLength(1);
  expect(rows[0].name).toBe('shop backend');
  expect(rows[0].revoked_at).not.toBeNull();
}, 60_000);
