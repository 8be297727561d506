import type { ReceivedMail } from '@beacon/testkit/smtp';
import { runQuotaWarnings } from '../src/reports/quota.js';
import { call, seedSite, seedUser } from './helpers.js';
import { useTwoAgencies } from './fixtures/use-api.js';

// Monthly event quota per site (issue 15): admins set it; past 80% and 100% of the month's stored
// events the agency's active admins get one email per site, month and threshold through a real SMTP
// server, even with two API instances checking at once; a refused message is retried on the next pass.

const api = useTwoAgencies({
  smtp: true,
  second: true,
  env: { DASHBOARD_PUBLIC_URL: 'https://dash.beacon.test', REPORTS_TICK_S: '0', QUOTA_CHECK_S: '0' },
});
let admin2: string;
const NOW = new Date();
const month = NOW.toISOString().slice(0, 7);

beforeAll(async () => {
  admin2 = (await seedUser(api.pool, api.f.a.id, 'admin')).email;
  await seedUser(api.pool, api.f.a.id, 'admin', { active: false });
});

/** Stores `n` more events of this month for a site (as the writer would). */
async function store(scriptId: string, n: number) {
  await api.pool.query(
    `INSERT INTO events (id, site_id, event_name, server_timestamp)
     SELECT gen_random_uuid(), $1, 'page_view', $2 FROM generate_series(1, $3)`,
    [scriptId, NOW.toISOString(), n],
  );
}

const quotaMails = (site: string) => (m: ReceivedMail) => (m.parsed.subject ?? '').startsWith(site);
const setQuota = (token: string, siteId: string, q: unknown) =>
  call(api.url, 'PATCH', `/v1/sites/${siteId}`, { token, body: { monthly_event_quota: q } });

/** Both instances check at once, twice: what one pass sends, the others do not. */
async function checkTwice() {
  const runs = await Promise.all([
    runQuotaWarnings(api.t.api.deps, NOW),
    runQuotaWarnings(api.t2.api.deps, NOW),
  ]);
  const again = await Promise.all([
    runQuotaWarnings(api.t2.api.deps, NOW),
    runQuotaWarnings(api.t.api.deps, NOW),
  ]);
  return [...runs, ...again].reduce((n, r) => n + r.sent, 0);
}

test('admins set the quota; users cannot; it must be a positive whole number', async () => {
  const r = await setQuota(api.tok.admin, api.f.siteA.id, 10);
  expect(r.status).toBe(200);
  expect(r.body).toMatchObject({ monthly_event_quota: 10, quota_warning: null });
  const user = api.tok.user;
  expect((await setQuota(user, api.f.siteA.id, 1000)).status).toBe(403);
  // A user still changes the rest of the site.
  const renamed = await call(api.url, 'PATCH', `/v1/sites/${api.f.siteA.id}`, {
    token: user,
    body: { name: 'A' },
  });
  expect(renamed.body).toMatchObject({ name: 'A', monthly_event_quota: 10 });
  for (const bad of [0, -5, 2.5, '10'])
    expect((await setQuota(api.tok.admin, api.f.siteA.id, bad)).status).toBe(400);
  const adminB = api.tok.adminB;
  expect((await setQuota(adminB, api.f.siteA.id, 99)).status).toBe(404);
});

test('quota 10: one 80% warning at 9 events, one 100% warning at 10, nothing more at 11', async () => {
  await store(api.f.siteA.scriptId, 7);
  expect(await checkTwice()).toBe(0);

  await store(api.f.siteA.scriptId, 2); // 9 of 10
  expect(await checkTwice()).toBe(2); // the two active admins, once each
  const at80 = api.smtp.received.filter(quotaMails('A has used 80%'));
  expect(at80.map((m) => m.to[0]).sort()).toEqual([api.f.admin.email, admin2].sort());
  expect(at80[0]!.parsed.subject).toBe(`A has used 80% of its monthly event quota (${month})`);
  expect(at80[0]!.parsed.text).toContain('9 events stored');
  expect(at80[0]!.parsed.text).toContain('nothing is lost');
  expect(at80[0]!.parsed.text).toContain('https://dash.beacon.test/settings/usage');
  expect(await checkTwice()).toBe(0);

  await store(api.f.siteA.scriptId, 1); // 10 of 10
  expect(await checkTwice()).toBe(2);
  const at100 = api.smtp.received.filter(quotaMails('A has reached'));
  expect(at100).toHaveLength(2);
  expect(at100[0]!.parsed.text).toContain('10 events stored');

  await store(api.f.siteA.scriptId, 1); // 11: past the quota, stored all the same
  expect(await checkTwice()).toBe(0);
  expect(api.smtp.received.filter(quotaMails('A '))).toHaveLength(4);
  const log = await api.pool.query(
    `SELECT threshold, events::int, recipients FROM quota_warnings WHERE site_id = $1 ORDER BY threshold`,
    [api.f.siteA.id],
  );
  expect(log.rows).toEqual([
    { threshold: 80, events: 9, recipients: 2 },
    { threshold: 100, events: 10, recipients: 2 },
  ]);

  // The dashboard's figures: the site's warning and the usage row's quota and share used.
  const s = await call(api.url, 'GET', `/v1/sites/${api.f.siteA.id}`, { token: api.tok.admin });
  expect(s.body.quota_warning).toBe(100);
  const u = await call(api.url, 'GET', `/v1/usage?month=${month}`, { token: api.tok.admin });
  const row = u.body.items.find((x: { site_id: string }) => x.site_id === api.f.siteA.id);
  expect(row).toMatchObject({ events_stored: 11, monthly_event_quota: 10, quota_used_pct: 110 });
});

test('a refused message is retried on the next pass; a jump past both thresholds sends one email', async () => {
  const other = await seedSite(api.pool, api.f.a.id, { name: 'Jumpy' });
  expect((await setQuota(api.tok.admin, other.id, 5)).status).toBe(200);
  await store(other.scriptId, 6);
  api.smtp.failNext(2);
  expect(await runQuotaWarnings(api.t.api.deps, NOW)).toEqual({ sent: 0 });
  expect((await api.pool.query(`SELECT 1 FROM quota_warnings WHERE site_id = $1`, [other.id])).rowCount).toBe(
    0,
  );
  expect(await checkTwice()).toBe(2);
  const mails = api.smtp.received.filter(quotaMails('Jumpy'));
  expect(mails.map((m) => m.parsed.subject)).toEqual([
    `Jumpy has reached its monthly event quota (${month})`,
    `Jumpy has reached its monthly event quota (${month})`,
  ]);
  // A site without a quota, and agency B's, never warn.
  await store(api.f.siteB.scriptId, 50);
  expect(await checkTwice()).toBe(0);
});
