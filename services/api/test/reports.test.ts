import { runReports } from '../src/reports/scheduler.js';
import type { ReceivedMail } from '@beacon/testkit/smtp';
import { call } from './helpers.js';
import { useStatsAgencies } from './fixtures/use-api.js';

// Scheduled email reports (issue 15) through a real SMTP server in this process: two API instances on
// one database run the scheduler at the same time and each recipient still gets one email per period;
// a refused message is retried; the unsubscribe link works without login; figures match the API's.

const api = useStatsAgencies(
  {
    smtp: true,
    second: true,
    env: {
      EMAIL_FROM: 'Agency A Reports <reports@agency.test>',
      DASHBOARD_PUBLIC_URL: 'https://dash.agency.test',
      REPORTS_TICK_S: '0',
    },
  },
  ['admin', 'user'],
);
// Monday 2026-01-19 12:00 UTC: the last full week in America/New_York is 2026-01-12..2026-01-18.
const MONDAY = new Date('2026-01-19T12:00:00Z');

async function schedule(frequency: 'weekly' | 'monthly', recipients: string[]) {
  const r = await call(api.url, 'POST', `/v1/sites/${api.ids.siteA}/reports`, {
    token: api.tok.user,
    body: { frequency, recipients },
  });
  expect(r.status).toBe(201);
  // Made long ago, so the period before MONDAY is its to send.
  await api.pool.query(`UPDATE report_schedules SET created_at = '2025-12-01' WHERE id = $1`, [r.body.id]);
  return r.body.id as string;
}

const to = (addr: string) => (m: ReceivedMail) => m.to.includes(addr);

test('a weekly report goes once per recipient even with two replicas ticking at once', async () => {
  await schedule('weekly', ['ceo@client.example', 'Marketing@Client.example']);
  const passes = await Promise.all([
    runReports(api.t.api.deps, MONDAY),
    runReports(api.t2.api.deps, MONDAY),
    runReports(api.t.api.deps, MONDAY),
    runReports(api.t2.api.deps, MONDAY),
  ]);
  expect(passes.reduce((n, p) => n + p.sent, 0)).toBe(2);
  expect(passes.reduce((n, p) => n + p.queued, 0)).toBe(2);
  // Later passes of the same period send nothing more.
  expect(await runReports(api.t2.api.deps, new Date(MONDAY.getTime() + 3 * 86_400_000))).toEqual({
    queued: 0,
    sent: 0,
    failed: 0,
  });
  const mails = api.smtp.received.filter((m) => /Weekly report/.test(m.parsed.subject ?? ''));
  expect(mails.map((m) => m.to[0]).sort()).toEqual(['ceo@client.example', 'marketing@client.example']);

  // What it says: the API's own figures for those days, the top pages, a plain-text twin, no images.
  const m = await api.smtp.waitFor(to('ceo@client.example'));
  expect(m.parsed.subject).toBe('Weekly report for A: 2026-01-12 to 2026-01-18');
  const overview = await call(
    api.url,
    'GET',
    `/v1/sites/${api.ids.siteA}/stats/overview?from=2026-01-12&to=2026-01-18`,
    {
      token: api.tok.admin,
    },
  );
  expect(overview.body.current.visitors).toBeGreaterThan(0);
  expect(m.parsed.text).toContain(`Visitors: ${overview.body.current.visitors}`);
  expect(m.parsed.text).toContain('/pricing');
  expect(m.parsed.text).toContain('America/New_York');
  expect(m.parsed.html).toContain('Top pages');
  expect(m.parsed.html).not.toMatch(/<img|<script|<link/i);
  expect(m.raw).toMatch(/^List-Unsubscribe-Post: List-Unsubscribe=One-Click\r?$/m);
  expect(m.raw).toMatch(
    /^List-Unsubscribe:\s+<https:\/\/dash\.agency\.test\/v1\/reports\/unsubscribe\?token=/m,
  );
  expect(String(m.parsed.text)).toMatch(/https:\/\/dash\.agency\.test\/unsubscribe\?token=/);
});

test('unsubscribing by the email link (no login) stops the next periods for that address only', async () => {
  const id = await schedule('weekly', ['stay@client.example', 'leave@client.example']);
  await runReports(api.t.api.deps, MONDAY);
  const m = await api.smtp.waitFor(to('leave@client.example'));
  const token = decodeURIComponent(/unsubscribe\?token=([^\s"&]+)/.exec(m.parsed.text ?? '')![1]!);
  const forged = await call(
    api.url,
    'POST',
    `/v1/reports/unsubscribe?token=${encodeURIComponent(token.replace(/.$/, 'x'))}`,
  );
  expect([forged.status, forged.body.error]).toEqual([400, 'invalid_token']);
  const ok = await call(api.url, 'POST', `/v1/reports/unsubscribe?token=${encodeURIComponent(token)}`);
  expect(ok.status).toBe(200);
  const nextMonday = new Date(MONDAY.getTime() + 7 * 86_400_000);
  await runReports(api.t.api.deps, nextMonday);
  const log = await api.pool.query(
    `SELECT recipient FROM report_deliveries WHERE schedule_id = $1 AND period_start = '2026-01-19' ORDER BY 1`,
    [id],
  );
  expect(log.rows.map((r) => r.recipient)).toEqual(['stay@client.example']);
});

test('a refused message is retried with backoff; the delivery log shows it (admins only)', async () => {
  // Only this schedule runs now, so the refused message is its own.
  await api.pool.query('UPDATE report_schedules SET enabled = false');
  await schedule('monthly', ['retry@client.example']);
  api.smtp.failNext(1);
  const feb = new Date('2026-02-02T12:00:00Z');
  const first = await runReports(api.t.api.deps, feb);
  expect(first.failed).toBe(1);
  const log1 = await call(api.url, 'GET', `/v1/sites/${api.ids.siteA}/reports/deliveries`, {
    token: api.tok.admin,
  });
  const row = log1.body.items.find((x: { recipient: string }) => x.recipient === 'retry@client.example');
  expect(row).toMatchObject({
    status: 'pending',
    attempts: 1,
    period_start: '2026-01-01',
    period_end: '2026-01-31',
  });
  expect(row.last_error).toMatch(/451|try again/);
  // Not before its backoff; then it goes.
  expect((await runReports(api.t.api.deps, feb)).sent).toBe(0);
  await api.pool.query(`UPDATE report_deliveries SET next_attempt_at = now() WHERE id = $1`, [row.id]);
  expect((await runReports(api.t.api.deps, feb)).sent).toBe(1);
  const m = await api.smtp.waitFor(to('retry@client.example'));
  expect(m.parsed.subject).toBe('Monthly report for A: 2026-01-01 to 2026-01-31');
  expect(
    (await call(api.url, 'GET', `/v1/sites/${api.ids.siteA}/reports/deliveries`, { token: api.tok.user }))
      .status,
  ).toBe(403);
});

test('send now: a preview of the last complete period to the given address', async () => {
  const id = await schedule('weekly', ['list@client.example']);
  const r = await call(api.url, 'POST', `/v1/sites/${api.ids.siteA}/reports/${id}/send-now`, {
    token: api.tok.user,
    body: { to: ['me@agency.test'] },
  });
  expect(r.status).toBe(200);
  const m = await api.smtp.waitFor(to('me@agency.test'));
  expect(m.parsed.subject).toMatch(/^\[Preview\] Weekly report for A: /);
  expect(m.parsed.text).not.toContain('unsubscribe');
  const bad = await call(api.url, 'POST', `/v1/sites/${api.ids.siteA}/reports`, {
    token: api.tok.user,
    body: { frequency: 'daily', recipients: ['not-an-email'] },
  });
  expect(bad.status).toBe(400);
});
