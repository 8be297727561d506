import { createHmac } from 'node:crypto';
import { checkPublicUrl, safePostJson } from '../../src/b2b/safe-post.js';
import { call, login, seedTwoAgencies, startTestApi, type TestApi } from '../helpers.js';
import { startTestSmtp, type TestSmtp } from '@beacon/testkit/smtp';
import { startReceiver, type Received, type TestReceiver } from './receiver.js';
import { storeVisit } from './visits.js';

// Company alerts end to end with real parts: PostgreSQL, Redis (BullMQ delivery queue), a real HTTP
// receiver on loopback (ALERTS_ALLOW_LOOPBACK_RECEIVERS_TEST_ONLY) and a real SMTP server.

let t: TestApi;
let f: Awaited<ReturnType<typeof seedTwoAgencies>>;
let rx: TestReceiver;
let smtp: TestSmtp;
let admin: string;
let user: string;
let viewer: string;
let adminB: string;

beforeAll(async () => {
  rx = await startReceiver();
  smtp = await startTestSmtp();
  t = await startTestApi({
    env: {
      API_BACKGROUND_JOBS: 'true',
      ALERTS_DISPATCH_TICK_MS: '0', // the test runs each dispatcher pass itself
      ALERTS_ALLOW_LOOPBACK_RECEIVERS_TEST_ONLY: 'true',
      ALERTS_RETRY_DELAYS_S: '1,1',
      ALERTS_DELIVERY_TIMEOUT_MS: '1000',
      ALERTS_ENDPOINT_DISABLE_AFTER: '3',
      SMTP_URL: smtp.url,
    },
  });
  f = await seedTwoAgencies(t.db.pool);
  [admin, user, viewer, adminB] = await Promise.all(
    [f.admin, f.user, f.viewer, f.adminB].map((u) => login(t.url, u.email, u.password)),
  );
  await t.db.pool.query(
    `INSERT INTO companies (domain, name, industry, employee_count) VALUES ('acme.example', 'Acme', 'software', '51-200')`,
  );
});
afterAll(async () => {
  await t?.close();
  await rx?.close();
  await smtp?.close();
});

const site = () => `/v1/sites/${f.siteA.id}`;
let n = 0;
/** A fresh company domain per test, so cooldowns of one test do not hide another's alerts. */
const company = () => `co${++n}.example`;

async function endpoint(body: Record<string, unknown>): Promise<{ id: string; secret: string | null }> {
  const r = await call(t.url, 'POST', `${site()}/alert-endpoints`, { token: admin, body });
  expect(r.status).toBe(201);
  return r.body;
}
async function rule(body: Record<string, unknown>): Promise<string> {
  const r = await call(t.url, 'POST', `${site()}/company-alert-rules`, { token: user, body });
  expect(r.status).toBe(201);
  return r.body.id;
}
async function visit(domain: string, paths = ['/'], at = new Date()): Promise<void> {
  await storeVisit(t.db.pool, { site: f.siteA.scriptId, domain, paths, at });
  await t.api.deps.alerts!.dispatch();
}
function verify(r: Received, secret: string): boolean {
  const header = String(r.headers['beacon-signature']);
  const ts = /t=(\d+)/.exec(header)![1]!;
  const want = createHmac('sha256', secret).update(`${ts}.${r.body}`).digest('hex');
  return header.split(',').includes(`v1=${want}`) && Math.abs(Date.now() / 1000 - Number(ts)) < 300;
}
async function deliveries(query = ''): Promise<Record<string, unknown>[]> {
  const r = await call(t.url, 'GET', `${site()}/alert-deliveries${query}`, { token: user });
  expect(r.status).toBe(200);
  return r.body.items;
}
async function until<T>(what: string, fn: () => Promise<T | undefined>, ms = 20_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out: ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

test('a visit fires a signed webhook with the CRM payload, a Slack message and an email; once per cooldown', async () => {
  const hook = await endpoint({ name: 'CRM', kind: 'webhook', url: `${rx.url}/crm` });
  const slack = await endpoint({ name: 'Sales channel', kind: 'slack', url: `${rx.url}/slack` });
  const mail = await endpoint({ name: 'Sales team', kind: 'email', recipients: ['sales@agency.test'] });
  expect(hook.secret).toMatch(/^whsec_/);
  await rule({ name: 'Any company', endpoint_ids: [hook.id, slack.id, mail.id] });
  await visit('acme.example', ['/', '/pricing']);

  const got = await rx.waitFor((r) => r.path === '/crm');
  expect(verify(got, hook.secret!)).toBe(true);
  expect(verify(got, 'whsec_wrong')).toBe(false);
  const alert = JSON.parse(got.body);
  expect(got.headers['idempotency-key']).toBe(alert.id);
  expect(alert).toMatchObject({
    type: 'company.alert',
    rule: { name: 'Any company' },
    company: {
      domain: 'acme.example',
      name: 'Acme',
      industry: 'software',
      employee_count: '51-200',
      country: 'DE',
    },
    score: {
      score: expect.any(Number),
      engagement: expect.any(Number),
      intent: 0,
      fit: 0,
      parts: expect.any(Object),
    },
    activity: { pages: ['/', '/pricing'], returning: false },
    pages_seen: expect.arrayContaining([{ path: '/pricing', views: 1 }]),
    dashboard_url: `http://localhost:3000/sites/${f.siteA.id}/companies/acme.example`,
  });
  expect(Date.parse(alert.first_visit)).toBeLessThanOrEqual(Date.parse(alert.last_visit));
  const s = JSON.parse((await rx.waitFor((r) => r.path === '/slack')).body);
  expect(s.text).toContain('Acme');
  expect(s.blocks[2].elements[0].url).toBe(alert.dashboard_url);
  const m = await smtp.waitFor((x) => x.to.includes('sales@agency.test'));
  expect(m.parsed.subject).toContain('Acme');
  expect(m.parsed.headers.get('x-beacon-alert')).toBe(alert.id);

  // Another visit in the same cooldown window: no second alert.
  await visit('acme.example', ['/blog']);
  await new Promise((r) => setTimeout(r, 1000));
  expect(rx.received.filter((r) => r.path === '/crm')).toHaveLength(1);
  const log = await until('three delivered', async () => {
    const l = await deliveries('?status=delivered');
    return l.length === 3 ? l : undefined;
  });
  expect(log.find((x) => x.endpoint_id === hook.id)).toMatchObject({
    last_status_code: 200,
    attempts: 1,
    domain: 'acme.example',
  });
});

test('conditions: new vs returning, high-intent page, fit filters', async () => {
  const ep = await endpoint({ name: 'Conditions', kind: 'webhook', url: `${rx.url}/conditions` });
  await call(t.url, 'PUT', `${site()}/lead-score/settings`, {
    token: admin,
    body: { intent_pages: ['/pricing'] },
  });
  await rule({
    name: 'Returning on pricing',
    visitor: 'returning',
    intent_page: true,
    endpoint_ids: [ep.id],
  });
  await rule({ name: 'French companies', fit_countries: ['FR'], endpoint_ids: [ep.id] });
  const d = company();
  await visit(d, ['/pricing'], new Date(Date.now() - 3 * 3_600_000)); // first visit: not returning
  await visit(d, ['/blog']); // returning, but not on an intent page
  await visit(d, ['/pricing']); // returning on pricing: fires
  const got = await rx.waitFor((r) => r.path === '/conditions');
  expect(JSON.parse(got.body)).toMatchObject({
    rule: { name: 'Returning on pricing' },
    activity: { returning: true, intent_page: true },
  });
  await new Promise((r) => setTimeout(r, 800));
  expect(rx.received.filter((r) => r.path === '/conditions')).toHaveLength(1); // DE, never French
});

test('500s then success: retried with backoff, every attempt in the log with status and latency', async () => {
  rx.on('/flaky', (i) => ({ status: i < 2 ? 500 : 200 }));
  const ep = await endpoint({ name: 'Flaky', kind: 'webhook', url: `${rx.url}/flaky` });
  await rule({ name: 'Flaky rule', endpoint_ids: [ep.id] });
  await visit(company());
  const done = await until('delivered after retries', async () =>
    (await deliveries(`?endpoint_id=${ep.id}`)).find((x) => x.status === 'delivered'),
  );
  expect(done.attempts).toBe(3);
  const attempts = await call(t.url, 'GET', `${site()}/alert-deliveries/${String(done.id)}/attempts`, {
    token: user,
  });
  expect(attempts.body.items.map((a: { status_code: number }) => a.status_code)).toEqual([500, 500, 200]);
  expect(attempts.body.items.every((a: { latency_ms: number }) => a.latency_ms >= 0)).toBe(true);
  const hits = rx.received.filter((r) => r.path === '/flaky');
  expect(hits).toHaveLength(3);
  expect(new Set(hits.map((h) => h.headers['idempotency-key'])).size).toBe(1); // one key: receivers drop repeats
  expect(hits[1]!.at - hits[0]!.at).toBeGreaterThanOrEqual(900); // ALERTS_RETRY_DELAYS_S=1,1
});

test('a slow receiver times out; a redirect to a private address is not followed', async () => {
  rx.on('/slow', () => ({ status: 200, delayMs: 3000 }));
  rx.on('/redirect', () => ({ status: 302, headers: { location: 'http://10.0.0.1/steal' } }));
  const slow = await endpoint({ name: 'Slow', kind: 'webhook', url: `${rx.url}/slow` });
  const redirect = await endpoint({ name: 'Redirect', kind: 'webhook', url: `${rx.url}/redirect` });
  await rule({ name: 'Slow and redirect', endpoint_ids: [slow.id, redirect.id] });
  await visit(company());
  const [s, r] = await until('both failed once', async () => {
    const l = await deliveries();
    const a = l.find((x) => x.endpoint_id === slow.id && x.last_error);
    const b = l.find((x) => x.endpoint_id === redirect.id && x.last_error);
    return a && b ? [a, b] : undefined;
  });
  expect(s.last_error).toMatch(/no answer within 1000 ms/);
  expect(Number(s.last_latency_ms)).toBeLessThan(2500);
  expect(r).toMatchObject({ last_status_code: 302, last_error: 'redirects are not followed' });
  await call(t.url, 'PATCH', `${site()}/alert-endpoints/${slow.id}`, {
    token: admin,
    body: { enabled: false },
  });
  await call(t.url, 'PATCH', `${site()}/alert-endpoints/${redirect.id}`, {
    token: admin,
    body: { enabled: false },
  });
});

test.each([
  ['a private address', 'http://10.1.2.3/hook'],
  ['the link-local metadata address', 'http://169.254.169.254/latest/meta-data/'],
  ['a private address', 'http://192.168.0.10/'],
  ['a private address mapped into IPv6', 'http://[::ffff:10.0.0.1]/'],
  ['a unique local IPv6 address', 'http://[fd00::1]/'],
  ['a scheme other than http(s)', 'ftp://example.com/'],
  ['credentials in the URL', 'http://user:pw@example.com/'],
])('SSRF: an endpoint at %s is refused: %s', async (_what, url) => {
  const r = await call(t.url, 'POST', `${site()}/alert-endpoints`, {
    token: admin,
    body: { name: 'x', kind: 'webhook', url },
  });
  expect([url, r.status]).toEqual([url, 400]);
});

test('SSRF: loopback is refused also after DNS, and a public address is allowed', async () => {
  // With the test-only switch off (the default): loopback by address and by a name resolving to it.
  for (const url of [`${rx.url}/x`, rx.url.replace('127.0.0.1', 'localhost')])
    await expect(checkPublicUrl(url, false)).rejects.toThrow(/private, loopback/);
  const before = rx.received.length;
  const sent = await safePostJson(
    rx.url.replace('127.0.0.1', 'localhost'),
    '{}',
    {},
    { allowLoopback: false, timeoutMs: 1000 },
  );
  expect(sent.status).toBeNull();
  expect(sent.error).toMatch(/loopback|private|not allowed/);
  expect(rx.received.length).toBe(before);
  await expect(checkPublicUrl('http://93.184.215.14/', false)).resolves.toBeInstanceOf(URL);
});

test('repeated failures disable the endpoint and email the admins; replay and secret rotation', async () => {
  rx.on('/down', () => ({ status: 503 }));
  const down = await endpoint({ name: 'Down', kind: 'webhook', url: `${rx.url}/down` });
  await rule({ name: 'To a dead receiver', endpoint_ids: [down.id] });
  await visit(company());
  const notice = await smtp.waitFor(
    (m) => m.to.includes(f.admin.email) && /Down/.test(m.parsed.subject ?? ''),
  );
  expect(notice.parsed.subject).toContain('disabled');
  const eps = (await call(t.url, 'GET', `${site()}/alert-endpoints`, { token: user })).body.items;
  expect(eps.find((e: { id: string }) => e.id === down.id)).toMatchObject({
    enabled: false,
    consecutive_failures: 3,
  });
  expect(eps.every((e: Record<string, unknown>) => !('secret' in e))).toBe(true);
  const dead = await until('dead', async () => (await deliveries(`?endpoint_id=${down.id}&status=dead`))[0]);
  expect(dead.attempts).toBe(3);

  // The receiver is back: enable, rotate the secret, replay the dead delivery.
  rx.on('/down', () => ({ status: 204 }));
  const old = down.secret!;
  expect(
    (
      await call(t.url, 'PATCH', `${site()}/alert-endpoints/${down.id}`, {
        token: admin,
        body: { enabled: true },
      })
    ).status,
  ).toBe(200);
  const rotated = await call(t.url, 'POST', `${site()}/alert-endpoints/${down.id}/rotate-secret`, {
    token: admin,
  });
  expect(rotated.status).toBe(200);
  expect(rotated.body.secret).not.toBe(old);
  const before = rx.received.filter((r) => r.path === '/down').length;
  const replay = await call(t.url, 'POST', `${site()}/alert-deliveries/${String(dead.id)}/replay`, {
    token: user,
  });
  expect(replay.status).toBe(202);
  await until('replayed', async () => (await deliveries(`?endpoint_id=${down.id}&status=delivered`))[0]);
  const hits = rx.received.filter((r) => r.path === '/down');
  expect(hits.length).toBe(before + 1);
  const last = hits.at(-1)!;
  expect(verify(last, rotated.body.secret)).toBe(true);
  expect(verify(last, old)).toBe(true); // the old secret signs too during the grace period
  expect(last.headers['idempotency-key']).toBe(hits[0]!.headers['idempotency-key']);
});

test('walls: another agency and the viewer role reach none of it', async () => {
  const ep = await endpoint({ name: 'Walled', kind: 'webhook', url: `${rx.url}/walled` });
  for (const [method, path] of [
    ['GET', `${site()}/alert-endpoints`],
    ['GET', `${site()}/company-alert-rules`],
    ['GET', `${site()}/alert-deliveries`],
    ['POST', `${site()}/alert-endpoints/${ep.id}/rotate-secret`],
  ] as const) {
    expect((await call(t.url, method, path, { token: adminB })).status).toBe(404);
    expect((await call(t.url, method, path, { token: viewer })).status).toBe(403);
  }
  expect(
    (
      await call(t.url, 'POST', `${site()}/alert-endpoints`, {
        token: user,
        body: { name: 'x', kind: 'slack', url: `${rx.url}/x` },
      })
    ).status,
  ).toBe(403);
  // Agency B's own site cannot name A's endpoint in a rule.
  const r = await call(t.url, 'POST', `/v1/sites/${f.siteB.id}/company-alert-rules`, {
    token: adminB,
    body: { name: 'steal', endpoint_ids: [ep.id] },
  });
  expect(r.status).toBe(201);
  expect(r.body.endpoint_ids).toEqual([]);
});

test('delete: a rule (writers) and an endpoint (admins), once; walled', async () => {
  const ep = await endpoint({ name: 'Doomed', kind: 'webhook', url: `${rx.url}/doomed` });
  const rule = await call(t.url, 'POST', `${site()}/company-alert-rules`, {
    token: user,
    body: { name: 'Doomed rule', endpoint_ids: [ep.id] },
  });
  expect(rule.status).toBe(201);
  const ruleUrl = `${site()}/company-alert-rules/${rule.body.id}`;
  const epUrl = `${site()}/alert-endpoints/${ep.id}`;
  expect((await call(t.url, 'DELETE', ruleUrl, { token: adminB })).status).toBe(404);
  expect((await call(t.url, 'DELETE', ruleUrl, { token: viewer })).status).toBe(403);
  expect((await call(t.url, 'DELETE', epUrl, { token: user })).status).toBe(403);
  expect((await call(t.url, 'DELETE', epUrl, { token: adminB })).status).toBe(404);
  expect((await call(t.url, 'DELETE', epUrl, { token: admin })).status).toBe(204);
  expect((await call(t.url, 'DELETE', epUrl, { token: admin })).status).toBe(404);
  const rules = await call(t.url, 'GET', `${site()}/company-alert-rules`, { token: user });
  expect(rules.body.items.find((r: { id: string }) => r.id === rule.body.id)).toMatchObject({
    endpoint_ids: [ep.id], // the rule keeps the id; the dispatcher joins only existing, enabled endpoints
  });
  expect((await call(t.url, 'DELETE', ruleUrl, { token: user })).status).toBe(204);
  const missing = await call(t.url, 'DELETE', ruleUrl, { token: user });
  expect(missing.status).toBe(404);
  expect(JSON.stringify(missing.body)).toContain('rule not found');
});

test("on an agency's dashboard hostname, alert links and the companies CSV point there", async () => {
  const host = 'dash.agency-a.test';
  const set = (hostname: string | null) =>
    call(t.url, 'PATCH', '/v1/agency/branding', { token: admin, body: { hostname } });
  expect((await set(host)).status).toBe(200);
  try {
    const hook = await endpoint({ name: 'Branded CRM', kind: 'webhook', url: `${rx.url}/branded` });
    await rule({ name: 'Branded', endpoint_ids: [hook.id] });
    const domain = company();
    await visit(domain, ['/pricing']);
    const alert = JSON.parse((await rx.waitFor((r) => r.path === '/branded')).body);
    // The same deployment answers both addresses: scheme and port of DASHBOARD_PUBLIC_URL, the agency's host.
    expect(alert.dashboard_url).toBe(`http://${host}:3000/sites/${f.siteA.id}/companies/${domain}`);
    const csv = await call(t.url, 'GET', `${site()}/export/companies`, { token: admin });
    expect(csv.status).toBe(200);
    const rows = (csv.body as string).trim().split(/\r?\n/).slice(1);
    expect(rows.length).toBeGreaterThan(0);
    for (const row of rows)
      expect(row).toMatch(new RegExp(`,http://${host.replace(/\./g, '\\.')}:3000/sites/`));
  } finally {
    expect((await set(null)).status).toBe(200);
  }
});
