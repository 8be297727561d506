import { readFileSync } from 'node:fs';
import { linkToken, startTestSmtp, type ReceivedMail, type TestSmtp } from '@beacon/testkit/smtp';
import { apiToken, signIn, SHOTS, usePages, useSeededDashboard } from './stack.js';

// Agency client reporting in a real browser (issue 15), with a real SMTP server in this process and the
// API's own scheduler ticking every second: a report schedule made on the site's page, its preview
// emailed at once, its scheduled email in the delivery log; a traffic alert; "Forgot password?" to a
// new password through the emailed link; CSV from a share link that allows it, none from one that does
// not. Screenshots in test-results/dashboard/.

const LONG = 180_000;
let smtp: TestSmtp;
const to = (addr: string, subject: RegExp) => (m: ReceivedMail) =>
  m.to.includes(addr) && subject.test(m.parsed.subject ?? '');

beforeAll(async () => {
  smtp = await startTestSmtp();
}, LONG);
const d = useSeededDashboard('reports', {
  env: () => ({ SMTP_URL: smtp.url, REPORTS_TICK_S: '1' }),
  timeout: LONG,
});
afterAll(() => smtp?.close());

const browserPages = usePages(d);
const adminPage = () => browserPages.open({ as: d.seed.users.admin });

test(
  'a report schedule: bad recipients refused, a preview emailed now, its scheduled email in the delivery log',
  async () => {
    const page = await adminPage();
    await page.goto(`${d.url}/settings/sites/${d.seed.shop}`);
    await page.getByRole('link', { name: /Email reports and traffic alerts/ }).click();
    await page.getByRole('heading', { name: 'Email reports and alerts' }).waitFor();
    await page.getByText('No scheduled report yet.').waitFor();

    const recipients = page.getByLabel('Report recipients (email addresses, separated by commas)');
    await recipients.fill('ceo@client.example, not-an-email');
    await page.getByRole('button', { name: 'Schedule the report' }).click();
    await page
      .getByRole('alert')
      .filter({ hasText: /“not-an-email” is not an email address/ })
      .waitFor();
    await page.screenshot({ path: `${SHOTS}reports-bad-recipient.png`, fullPage: true });
    await recipients.fill('CEO@client.example');
    await page.getByRole('button', { name: 'Schedule the report' }).click();
    const row = page.getByRole('table', { name: 'Report schedules' }).getByRole('row').nth(1);
    await row.getByRole('rowheader', { name: 'weekly' }).waitFor();
    expect(await row.locator('[data-col="recipients"]').textContent()).toBe('ceo@client.example');

    // Edited: one more recipient.
    await row.getByRole('button', { name: 'Edit' }).click();
    await page.getByRole('heading', { name: 'Change the report' }).waitFor();
    await recipients.fill('ceo@client.example, cfo@client.example');
    await page.getByRole('button', { name: 'Save the report' }).click();
    await row.locator('[data-col="recipients"]', { hasText: 'cfo@client.example' }).waitFor();

    // The preview goes out at once, to the schedule's recipients, over SMTP.
    await row.getByRole('button', { name: 'Send a preview now' }).click();
    await page
      .getByRole('status')
      .filter({ hasText: /^Preview of .* sent to ceo@client\.example, cfo/ })
      .waitFor({
        timeout: 60_000,
      });
    const preview = await smtp.waitFor(
      to('cfo@client.example', /^\[Preview\] Weekly report for Shop/),
      60_000,
    );
    expect(preview.parsed.text).toContain('shop.example');

    // The schedule made five weeks ago has a full week behind it: the API's scheduler (every second)
    // sends that week's report, and the delivery log shows it sent to each recipient.
    await d.db.pool.query(`UPDATE report_schedules SET created_at = now() - interval '35 days'`);
    const sent = await smtp.waitFor(to('ceo@client.example', /^Weekly report for Shop/), 90_000);
    const log = page.getByRole('table', { name: 'Report deliveries' });
    await page.getByRole('button', { name: 'Refresh' }).click();
    const ceo = log.getByRole('row').filter({ hasText: 'ceo@client.example' });
    await ceo.locator('[data-col="status"]', { hasText: 'sent' }).waitFor({ timeout: 60_000 });
    const period = (await ceo.locator('[data-col="period"]').textContent()) ?? '';
    expect(sent.parsed.subject).toContain(period);
    expect(await ceo.locator('[data-col="sent"]').textContent()).not.toBe('—');
    await page.screenshot({ path: `${SHOTS}reports-delivery-log.png`, fullPage: true });
  },
  LONG,
);

test(
  'a traffic alert with its thresholds and cooldown; viewers cannot open the page',
  async () => {
    const page = await adminPage();
    await page.goto(`${d.url}/settings/sites/${d.seed.shop}/reports`);
    await page.getByText('No traffic alert yet.').waitFor();
    await page
      .getByLabel('Alert recipients (email addresses, separated by commas)')
      .fill('oncall@agency.example');
    await page.getByLabel(/^Spike:/).fill('250');
    await page.getByLabel(/^Drop:/).fill('40');
    await page.getByLabel(/^Cooldown:/).fill('12');
    await page.getByRole('button', { name: 'Add the alert' }).click();
    const row = page.getByRole('table', { name: 'Traffic alerts' }).getByRole('row').nth(1);
    await row.getByRole('rowheader', { name: 'oncall@agency.example' }).waitFor();
    expect(await row.locator('[data-col="spike"]').textContent()).toBe('+250 %');
    expect(await row.locator('[data-col="drop"]').textContent()).toBe('−40 %');
    expect(await row.locator('[data-col="cooldown"]').textContent()).toBe('12 h');
    const stored = await d.db.pool.query(
      `SELECT spike_pct, drop_pct, cooldown_h, recipients FROM traffic_alerts`,
    );
    expect(stored.rows).toEqual([
      { spike_pct: 250, drop_pct: 40, cooldown_h: 12, recipients: ['oncall@agency.example'] },
    ]);
    await page.screenshot({ path: `${SHOTS}reports-alerts.png`, fullPage: true });
    await page.context().close();

    const viewer = await browserPages.open({ as: d.seed.users.viewer });
    await viewer.goto(`${d.url}/settings/sites/${d.seed.shop}`);
    await viewer.getByRole('heading', { name: /Shop/ }).waitFor();
    expect(await viewer.getByRole('link', { name: /Email reports/ }).count()).toBe(0);
    await viewer.goto(`${d.url}/settings/sites/${d.seed.shop}/reports`);
    await viewer.getByText('Viewers cannot open this page').waitFor();
  },
  LONG,
);

test(
  '"Forgot password?" on the login page: the emailed link sets a new password',
  async () => {
    const page = await browserPages.open();
    await page.goto(`${d.url}/`);
    await page.getByRole('link', { name: 'Forgot password?' }).click();
    await page.waitForURL(/\/forgot-password$/);
    await page.screenshot({ path: `${SHOTS}forgot-password.png` });
    await page.getByLabel('Email').fill(d.seed.users.viewer.email);
    await page.getByRole('button', { name: 'Email me a reset link' }).click();
    await page
      .getByRole('status')
      .filter({ hasText: /a link to choose a new password is on its way/ })
      .waitFor();
    await page.screenshot({ path: `${SHOTS}forgot-password-sent.png` });
    const mail = await smtp.waitFor(to(d.seed.users.viewer.email, /^Reset your password$/), 60_000);

    await page.goto(`${d.url}/set-password#token=${linkToken(mail)}&purpose=reset`);
    await page.getByRole('heading', { name: 'Choose a new password' }).waitFor();
    await page.getByLabel('Password (8 characters or more)').fill('viewer-password-2');
    await page.getByLabel('Once more').fill('viewer-password-2');
    await page.getByRole('button', { name: 'Set my password' }).click();
    await page.getByRole('button', { name: 'Sign in' }).click();
    await signIn(page, d.url, { email: d.seed.users.viewer.email, password: 'viewer-password-2' });
    await page.waitForURL(/\/sites\//, { timeout: 60_000 });
  },
  LONG,
);

test(
  'a share link that allows CSV downloads its panels as CSV; one that does not shows no button',
  async () => {
    const token = await apiToken(d.url, d.seed.users.admin);
    const link = async (label: string, allow_csv: boolean) => {
      const r = await fetch(`${d.url}/v1/sites/${d.seed.shop}/share-links`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        body: JSON.stringify({ label, allow_csv }),
      });
      expect(r.status).toBe(201);
      return ((await r.json()) as { url: string }).url.replace(/^https?:\/\/[^/]+/, d.url);
    };
    const withCsv = await link('Board with CSV', true);
    const without = await link('Board without CSV', false);

    const page = await browserPages.open({ context: { acceptDownloads: true } });
    await page.goto(withCsv);
    const pages = page.locator('[data-dimension="pages"]');
    const top = pages.locator('tbody tr').first().locator('td, th').first();
    await top.waitFor({ timeout: 60_000 });
    const [download] = await Promise.all([
      page.waitForEvent('download', { timeout: 60_000 }),
      page.getByRole('button', { name: 'Download pages as CSV' }).click(),
    ]);
    expect(download.suggestedFilename()).toMatch(/^pages-shop\.example-.*\.csv$/);
    const lines = readFileSync((await download.path())!, 'utf8')
      .trim()
      .split('\n');
    const paths = new Set(d.events.map((e) => e.page_path));
    expect(lines.length).toBeGreaterThan(1);
    for (const l of lines.slice(1)) expect(paths).toContain(l.split(',')[0]);
    // The CSV's first row is the panel's top page.
    expect(lines[1]!.split(',')[0]).toBe((await top.textContent())?.trim());
    await page.screenshot({ path: `${SHOTS}shared-csv.png`, fullPage: true });

    await page.goto(without);
    await page.getByText(/Board without CSV · read-only shared dashboard/).waitFor({ timeout: 60_000 });
    await pages.locator('tbody tr').first().waitFor({ timeout: 60_000 });
    expect(await page.getByRole('button', { name: /as CSV$/ }).count()).toBe(0);
    await page.screenshot({ path: `${SHOTS}shared-no-csv.png`, fullPage: true });
  },
  LONG,
);
