import { linkToken } from '@beacon/testkit/smtp';
import { call, login, seedSite } from './helpers.js';
import { useTwoAgencies } from './fixtures/use-api.js';

// Client logins (issue 15): an invited viewer limited to one site sees only it, on EVERY site route of
// the route table (so routes added later obey it too); grants and revocations apply to the next request;
// invitation and reset links are single use, expire, and go through a real SMTP server in this process.

const api = useTwoAgencies({
  smtp: true,
  env: {
    EMAIL_FROM: 'Agency Reports <reports@agency.test>',
    DASHBOARD_PUBLIC_URL: 'https://dash.agency.test/',
    API_LOGIN_MAX_FAILURES_PER_ACCOUNT: '3',
  },
});
let otherSite: { id: string; scriptId: string };

beforeAll(async () => {
  otherSite = await seedSite(api.pool, api.f.a.id, { name: 'Other client' });
});

async function invite(email: string, body: Record<string, unknown>) {
  const r = await call(api.url, 'POST', '/v1/invitations', {
    token: api.tok.admin,
    body: { email, ...body },
  });
  expect(r.status).toBe(201);
  const mail = await api.smtp.waitFor((m) => m.to.includes(email));
  return { r, mail };
}

async function setPassword(token: string, password: string) {
  return call(api.url, 'POST', '/v1/auth/set-password', { body: { token, password } });
}

function routesOf(method: string) {
  return api.t.api.app.table.routes.filter(
    (r) => r.auth && r.method === method && r.path.includes(':siteId'),
  );
}

test('an invited client viewer sets a password by email link and sees only the granted site everywhere', async () => {
  const email = 'analyst@client.example';
  const { r, mail } = await invite(email, {
    role: 'viewer',
    site_access: 'selected',
    site_ids: [api.f.siteA.id],
  });
  expect(r.body.user).toMatchObject({
    email,
    role: 'viewer',
    site_access: 'selected',
    site_ids: [api.f.siteA.id],
  });
  expect(r.body.invitation.email_sent).toBe(true);
  // The real message: sender, subject, a text and an HTML part, the link on the configured address.
  expect(mail.parsed.from?.value[0]).toMatchObject({
    name: 'Agency Reports',
    address: 'reports@agency.test',
  });
  expect(mail.parsed.subject).toBe("Your login to Agency A's analytics");
  expect(mail.parsed.text).toContain('https://dash.agency.test/set-password#token=');
  expect(mail.parsed.html).toContain('href="https://dash.agency.test/set-password#token=');
  expect(mail.parsed.html).not.toMatch(/<img|<script/i);
  // No password works before the link is used (none was chosen by the admin).
  const before = await call(api.url, 'POST', '/v1/auth/login', {
    body: { email, password: 'anything-at-all' },
  });
  expect(before.status).toBe(401);
  const token = linkToken(mail);
  expect((await setPassword(token, 'client-chosen-pw')).status).toBe(204);
  // Single use.
  const again = await setPassword(token, 'another-password');
  expect([again.status, again.body.error]).toEqual([400, 'invalid_token']);
  const viewer = await login(api.url, email, 'client-chosen-pw');

  const list = await call(api.url, 'GET', '/v1/sites', { token: viewer });
  expect(list.body.items.map((s: { id: string }) => s.id)).toEqual([api.f.siteA.id]);

  // Every GET site route: the other site of the SAME agency is a 404 (uuid and script_id), the granted
  // one is never 401/403/404 (sub-resources named 'probe' excepted, as in walls.test.ts).
  const gets = routesOf('get').filter((r) => r.roles.includes('viewer'));
  expect(gets.length).toBeGreaterThan(5);
  for (const route of gets) {
    for (const ref of [otherSite.id, otherSite.scriptId]) {
      const path = route.path.replace(':siteId', ref).replace(/:[A-Za-z0-9_]+/g, 'probe');
      const res = await call(api.url, 'GET', path, { token: viewer });
      expect({ route: route.path, status: res.status }).toEqual({ route: route.path, status: 404 });
      expect(JSON.stringify(res.body)).not.toContain('Other client');
    }
    if (!route.path.replace(':siteId', '').includes(':')) {
      const res = await call(api.url, 'GET', route.path.replace(':siteId', api.f.siteA.id), {
        token: viewer,
      });
      expect({ route: route.path, refused: [401, 403, 404].includes(res.status) }).toEqual({
        route: route.path,
        refused: false,
      });
    }
  }

  // Revoked: the next request is refused; granted again: it works again.
  const revoke = await call(api.url, 'DELETE', `/v1/sites/${api.f.siteA.id}/access/${r.body.user.id}`, {
    token: api.tok.admin,
  });
  expect(revoke.status).toBe(204);
  expect((await call(api.url, 'GET', `/v1/sites/${api.f.siteA.id}`, { token: viewer })).status).toBe(404);
  expect((await call(api.url, 'GET', '/v1/sites', { token: viewer })).body.items).toEqual([]);
  const grant = await call(api.url, 'PUT', `/v1/sites/${otherSite.scriptId}/access/${r.body.user.id}`, {
    token: api.tok.admin,
  });
  expect(grant.status).toBe(200);
  expect(grant.body.site_ids).toEqual([otherSite.id]);
  expect((await call(api.url, 'GET', `/v1/sites/${otherSite.id}`, { token: viewer })).status).toBe(200);
  const access = await call(api.url, 'GET', `/v1/sites/${otherSite.id}/access`, { token: api.tok.admin });
  expect(access.body.items.map((u: { email: string }) => u.email)).toEqual([email]);

  // Widened to all sites by the admin: applies at once.
  const patch = await call(api.url, 'PATCH', `/v1/users/${r.body.user.id}`, {
    token: api.tok.admin,
    body: { site_access: 'all' },
  });
  expect(patch.status).toBe(200);
  expect((await call(api.url, 'GET', `/v1/sites/${api.f.siteA.id}`, { token: viewer })).status).toBe(200);
});

test('a limited user cannot create sites; admins see every site whatever their row says', async () => {
  const { r, mail } = await invite('editor@client.example', {
    role: 'user',
    site_access: 'selected',
    site_ids: [api.f.siteA.id],
  });
  expect((await setPassword(linkToken(mail), 'editor-pw-123')).status).toBe(204);
  const user = await login(api.url, 'editor@client.example', 'editor-pw-123');
  const create = await call(api.url, 'POST', '/v1/sites', {
    token: user,
    body: { name: 'x', domain: 'x.test' },
  });
  expect(create.status).toBe(403);
  // Promoted to admin: every site, though site_access still says selected.
  await call(api.url, 'PATCH', `/v1/users/${r.body.user.id}`, {
    token: api.tok.admin,
    body: { role: 'admin' },
  });
  const list = await call(api.url, 'GET', '/v1/sites', { token: user });
  expect(list.body.items.length).toBe(2);
});

test("grants stay inside the agency: another agency's site or user is refused", async () => {
  const foreign = await call(api.url, 'POST', '/v1/invitations', {
    token: api.tok.admin,
    body: { email: 'x@client.example', role: 'viewer', site_access: 'selected', site_ids: [api.f.siteB.id] },
  });
  expect([foreign.status, foreign.body.error]).toEqual([400, 'invalid_request']);
  expect(JSON.stringify(foreign.body)).not.toContain(api.f.siteB.id);
  const grantB = await call(api.url, 'PUT', `/v1/sites/${api.f.siteA.id}/access/${api.f.adminB.id}`, {
    token: api.tok.admin,
  });
  expect(grantB.status).toBe(404);
  const adminB = api.tok.adminB;
  const grantA = await call(api.url, 'PUT', `/v1/sites/${api.f.siteA.id}/access/${api.f.viewer.id}`, {
    token: adminB,
  });
  expect(grantA.status).toBe(404);
  const n = await api.pool.query('SELECT count(*)::int AS n FROM user_site_access WHERE user_id = $1', [
    api.f.viewer.id,
  ]);
  expect(n.rows[0].n).toBe(0);
});

test('password reset: same answer for unknown emails, single-use link, newer link voids older, sessions end', async () => {
  const unknown = await call(api.url, 'POST', '/v1/auth/password-reset', {
    body: { email: 'nobody@nowhere.test' },
  });
  const known = await call(api.url, 'POST', '/v1/auth/password-reset', { body: { email: api.f.user.email } });
  expect(unknown.status).toBe(202);
  expect(known.status).toBe(202);
  expect(known.body).toEqual(unknown.body);
  const first = await api.smtp.waitFor((m) => m.to.includes(api.f.user.email));
  const session = await login(api.url, api.f.user.email, api.f.user.password);
  await call(api.url, 'POST', '/v1/auth/password-reset', { body: { email: api.f.user.email } });
  const second = await api.smtp.waitFor((m) => m.to.includes(api.f.user.email) && m !== first);
  expect(linkToken(second)).not.toBe(linkToken(first));
  expect((await setPassword(linkToken(first), 'too-late-pw')).body.error).toBe('invalid_token');
  // Two racing uses of the valid link: exactly one wins.
  const race = await Promise.all([
    setPassword(linkToken(second), 'new-pw-one'),
    setPassword(linkToken(second), 'new-pw-two'),
  ]);
  expect(race.map((x) => x.status).sort()).toEqual([204, 400]);
  const winner = race[0]!.status === 204 ? 'new-pw-one' : 'new-pw-two';
  expect((await call(api.url, 'GET', '/v1/me', { token: session })).status).toBe(401);
  await login(api.url, api.f.user.email, winner);
  // Only hashes are stored.
  const stored = await api.pool.query('SELECT token_hash FROM account_tokens');
  for (const row of stored.rows) expect(row.token_hash).toMatch(/^[0-9a-f]{64}$/);
  expect(JSON.stringify(stored.rows)).not.toContain(linkToken(second));
  expect(api.smtp.received.some((m) => m.to.includes('nobody@nowhere.test'))).toBe(false);
});

test('an expired link is refused; reset requests are limited per email', async () => {
  await call(api.url, 'POST', '/v1/auth/password-reset', { body: { email: api.f.viewer.email } });
  const mail = await api.smtp.waitFor((m) => m.to.includes(api.f.viewer.email));
  await api.pool.query(
    `UPDATE account_tokens SET expires_at = now() - interval '1 second' WHERE used_at IS NULL`,
  );
  expect((await setPassword(linkToken(mail), 'whatever-pw')).body.error).toBe('invalid_token');
  // API_LOGIN_MAX_FAILURES_PER_ACCOUNT=3 in this file: the viewer's email has used 1.
  const statuses: number[] = [];
  for (let i = 0; i < 4; i++)
    statuses.push(
      (await call(api.url, 'POST', '/v1/auth/password-reset', { body: { email: api.f.viewer.email } }))
        .status,
    );
  expect(statuses).toEqual([202, 202, 429, 429]);
});

test('resending an invitation voids the first link; not for users who have logged in', async () => {
  const { r, mail } = await invite('late@client.example', { role: 'viewer' });
  const resend = await call(api.url, 'POST', `/v1/users/${r.body.user.id}/invitation`, {
    token: api.tok.admin,
  });
  expect(resend.status).toBe(200);
  const second = await api.smtp.waitFor((m) => m.to.includes('late@client.example') && m !== mail);
  expect((await setPassword(linkToken(mail), 'first-link-pw')).body.error).toBe('invalid_token');
  expect((await setPassword(linkToken(second), 'second-link-pw')).status).toBe(204);
  await login(api.url, 'late@client.example', 'second-link-pw');
  const again = await call(api.url, 'POST', `/v1/users/${r.body.user.id}/invitation`, {
    token: api.tok.admin,
  });
  expect(again.status).toBe(409);
});
