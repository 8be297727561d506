import { randomUUID } from 'node:crypto';
import { insertEventRows } from '@beacon/testkit';
import { judge, runTrafficAlerts } from '../src/reports/alerts.js';
import { call, login, seedAgency, seedSite, seedUser, startTestApi, type TestApi } from './helpers.js';
import { startTestSmtp, type TestSmtp } from '@beacon/testkit/smtp';

// Traffic alerts (issue 15): the last complete hour against the same hour of the four weeks before,
// through a real SMTP server; two replicas at once send one alert; the cooldown holds.

let t: TestApi;
let t2: TestApi;
let smtp: TestSmtp;
let site: { id: string; scriptId: string };
let token: string;
// 2026-01-29 15:30 UTC: the last complete hour is 14:00-15:00; the usual level comes from Jan 1, 8, 15, 22.
const NOW = new Date('2026-01-29T15:30:00Z');

async function pageViews(at: string, n: number) {
  const rows = Array.from({ length: n }, (_, i) => ({
    id: randomUUID(),
    site_id: site.scriptId,
    event_name: 'page_view',
    client_id: `c${i}`,
    session_id: `s-${at}-${i}`,
    server_timestamp: new Date(Date.parse(at) + i * 1000).toISOString(),
    page_path: '/',
    visitor_type: 'human',
  }));
  await insertEventRows(t.db.pool, rows);
}

beforeAll(async () => {
  smtp = await startTestSmtp();
  const env = { SMTP_URL: smtp.url, REPORTS_TICK_S: '0' };
  t = await startTestApi({ env });
  t2 = await startTestApi({ env, db: t.db });
  const a = await seedAgency(t.db.pool, 'Agency A');
  site = await seedSite(t.db.pool, a.id, { name: 'Client shop' });
  const u = await seedUser(t.db.pool, a.id, 'user');
  token = await login(t.url, u.email, u.password);
  for (const day of ['01', '08', '15', '22']) await pageViews(`2026-01-${day}T14:05:00Z`, 10);
});
afterAll(async () => {
  await t2.close();
  await t.close();
  await smtp.close();
});

test('judging an hour against the usual level', () => {
  const a = { spike_pct: 100, drop_pct: 50, min_usual: 5 };
  expect(judge(20, 10, a)).toBe('spike');
  expect(judge(19, 10, a)).toBeNull();
  expect(judge(5, 10, a)).toBe('drop');
  expect(judge(0, 4, a)).toBeNull(); // too little traffic to judge
});

test('a spike is emailed once across two replicas, then the cooldown holds; a drop after it', async () => {
  const r = await call(t.url, 'POST', `/v1/sites/${site.id}/alerts`, {
    token,
    body: { recipients: ['owner@client.example'], min_usual: 5, cooldown_h: 2 },
  });
  expect(r.status).toBe(201);
  await pageViews('2026-01-29T14:10:00Z', 35);
  const passes = await Promise.all([
    runTrafficAlerts(t.api.deps, NOW),
    runTrafficAlerts(t2.api.deps, NOW),
    runTrafficAlerts(t.api.deps, NOW),
  ]);
  expect(passes.reduce((n, p) => n + p.sent, 0)).toBe(1);
  const m = await smtp.waitFor((x) => /Traffic spike/.test(x.parsed.subject ?? ''));
  expect(m.parsed.subject).toBe(
    'Traffic spike on Client shop: 35 page views in the hour from 14:00 UTC (usually 10)',
  );
  expect(m.parsed.text).toContain('averaged 10');
  // Within the cooldown: nothing more.
  expect((await runTrafficAlerts(t.api.deps, NOW)).sent).toBe(0);
  // After it, an empty hour (15:00-16:00, usual 0: under min_usual) says nothing; a drop at 14:00 a
  // week later does.
  await t.db.pool.query(`UPDATE traffic_alerts SET last_alert_at = now() - interval '3 hours'`);
  expect((await runTrafficAlerts(t.api.deps, new Date('2026-01-29T16:30:00Z'))).sent).toBe(0);
  expect((await runTrafficAlerts(t.api.deps, new Date('2026-02-05T15:10:00Z'))).sent).toBe(1);
  const drop = await smtp.waitFor((x) => /Traffic drop/.test(x.parsed.subject ?? ''));
  expect(drop.parsed.subject).toMatch(/^Traffic drop on Client shop: 0 page views/);
  const list = await call(t.url, 'GET', `/v1/sites/${site.id}/alerts`, { token });
  expect(list.body.items[0].last_alert_kind).toBe('drop');
});
