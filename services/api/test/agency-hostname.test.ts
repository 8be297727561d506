import { request } from 'node:http';
import { call, startTestApi } from './helpers.js';
import { useTwoAgencies } from './fixtures/use-api.js';

// The agency's dashboard hostname (issue 15, white-label): set by admins through the branding API,
// checked and unique; the public brand endpoint answers the brand of the host a request came to
// (Host, or X-Forwarded-Host from a trusted proxy only); email and share links use the hostname.

const HOST = 'analytics.agency.example';
const api = useTwoAgencies({ smtp: true, env: { DASHBOARD_PUBLIC_URL: 'https://dash.beacon.test:8443/' } });

/** GET with the Host header (and others) set as a browser or proxy sends them. */
function getWithHost(
  url: string,
  path: string,
  headers: Record<string, string>,
): Promise<{ status: number; headers: Record<string, unknown>; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(`${url}${path}`, { headers }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

const patch = (token: string, body: unknown) =>
  call(api.url, 'PATCH', '/v1/agency/branding', { token, body });

test('admins set a dashboard hostname: lower-cased, checked, unique across agencies', async () => {
  const r = await patch(api.tok.admin, {
    hostname: ' Analytics.Agency.Example ',
    display_name: 'Acme Analytics',
  });
  expect(r.status).toBe(200);
  expect(r.body).toMatchObject({ hostname: HOST, display_name: 'Acme Analytics' });
  expect((await call(api.url, 'GET', '/v1/agency/branding', { token: api.tok.admin })).body.hostname).toBe(
    HOST,
  );
  for (const bad of [
    'not a host',
    'analytics.agency.example:8080',
    'https://analytics.agency.example',
    '10.0.0.1',
    'localhost',
    'dash.beacon.test', // DASHBOARD_PUBLIC_URL's host: every agency's address
    `${'a'.repeat(64)}.example`,
  ]) {
    const b = await patch(api.tok.admin, { hostname: bad });
    expect({ bad, status: b.status, error: b.body.error }).toEqual({
      bad,
      status: 400,
      error: 'invalid_request',
    });
  }
  const taken = await patch(api.tok.adminB, { hostname: HOST.toUpperCase() });
  expect(taken.status).toBe(409);
  expect(taken.body.message).toMatch(/another agency/);
  // Changing something else keeps the hostname; B can take another one.
  expect((await patch(api.tok.admin, { primary_color: '#0f766e' })).body.hostname).toBe(HOST);
  expect((await patch(api.tok.adminB, { hostname: 'stats.other.example' })).body.hostname).toBe(
    'stats.other.example',
  );
  const user = api.tok.user;
  expect((await patch(user, { hostname: 'x.example' })).status).toBe(403);
});

test('the public brand of a host: no login, only what a login page shows, 204 elsewhere', async () => {
  await patch(api.tok.admin, { hostname: HOST, display_name: 'Acme Analytics', primary_color: '#0f766e' });
  const r = await getWithHost(api.url, '/v1/brand', { host: `${HOST}:3000` });
  expect(r.status).toBe(200);
  expect(JSON.parse(r.body)).toEqual({
    name: 'Acme Analytics',
    primary_color: '#0f766e',
    powered_by: true,
    logo: null,
  });
  expect(r.body).not.toContain(api.f.a.id);
  const dotted = await getWithHost(api.url, '/v1/brand', { host: `${HOST.toUpperCase()}.` });
  expect(JSON.parse(dotted.body).name).toBe('Acme Analytics');
  expect(r.headers['cache-control']).toBe('public, max-age=60');
  expect(String(r.headers.vary)).toMatch(/Host/);
  const unknown = await getWithHost(api.url, '/v1/brand', { host: 'unknown.example' });
  expect({ status: unknown.status, body: unknown.body }).toEqual({ status: 204, body: '' });
  expect((await getWithHost(api.url, '/v1/brand', { host: '127.0.0.1' })).status).toBe(204);
  // Behind the trusted proxy (loopback by default), the host the browser asked for.
  const proxied = await getWithHost(api.url, '/v1/brand', { host: '127.0.0.1', 'x-forwarded-host': HOST });
  expect(JSON.parse(proxied.body).name).toBe('Acme Analytics');
  // A suspended agency's hostname shows no brand.
  await api.pool.query(`UPDATE agencies SET status = 'suspended' WHERE id = $1`, [api.f.a.id]);
  expect((await getWithHost(api.url, '/v1/brand', { host: HOST })).status).toBe(204);
  await api.pool.query(`UPDATE agencies SET status = 'active' WHERE id = $1`, [api.f.a.id]);
});

test('X-Forwarded-Host from an untrusted address is ignored', async () => {
  const t2 = await startTestApi({ db: api.t.db, env: { API_TRUST_PROXY: '10.9.9.9' } });
  try {
    const r = await getWithHost(t2.url, '/v1/brand', { host: '127.0.0.1', 'x-forwarded-host': HOST });
    expect(r.status).toBe(204);
    expect((await getWithHost(t2.url, '/v1/brand', { host: HOST })).status).toBe(200);
  } finally {
    await t2.close();
  }
});

test("invitation, password-reset and share links go to the agency's hostname", async () => {
  await patch(api.tok.admin, { hostname: HOST });
  const email = 'client@client.example';
  const inv = await call(api.url, 'POST', '/v1/invitations', {
    token: api.tok.admin,
    body: { email, role: 'viewer' },
  });
  expect(inv.status).toBe(201);
  const invite = await api.smtp.waitFor((m) => m.to.includes(email));
  expect(invite.parsed.text).toContain(`https://${HOST}:8443/set-password#token=`);
  expect(invite.parsed.text).not.toContain('dash.beacon.test');

  await call(api.url, 'POST', '/v1/auth/password-reset', { body: { email: api.f.admin.email } });
  const reset = await api.smtp.waitFor((m) => m.to.includes(api.f.admin.email));
  expect(reset.parsed.text).toContain(`https://${HOST}:8443/set-password#token=`);

  const link = await call(api.url, 'POST', `/v1/sites/${api.f.siteA.id}/share-links`, {
    token: api.tok.admin,
    body: { label: 'Client' },
  });
  expect(link.body.url).toMatch(new RegExp(`^https://${HOST.replace(/\./g, '\\.')}:8443/share/bshl_`));
  // Agency B, its hostname removed: its links go to DASHBOARD_PUBLIC_URL, never to A's hostname.
  await patch(api.tok.adminB, { hostname: null });
  const linkB = await call(api.url, 'POST', `/v1/sites/${api.f.siteB.id}/share-links`, {
    token: api.tok.adminB,
    body: { label: 'B' },
  });
  expect(linkB.body.url).toMatch(/^https:\/\/dash\.beacon\.test:8443\/share\//);
});
