import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { call } from './helpers.js';
import { useStatsAgencies } from './fixtures/use-api.js';

// Shared dashboards (issue 15): a share link opens only the routes declaring `share`, for its one site,
// with its fixed filters; its password is limited like a login (100 concurrent wrong tries stay
// bounded); revoking it refuses the next request; framing follows its origins. Real PostgreSQL.

let dashboardDir: string;
const R = 'from=2026-01-10&to=2026-01-16';

// The API serves a dashboard build it is handed (it does not depend on the dashboard): a one-page one.
beforeAll(async () => {
  dashboardDir = await mkdtemp(path.join(tmpdir(), 'beacon-share-dashboard-'));
  await writeFile(path.join(dashboardDir, 'index.html'), '<!doctype html><title>Beacon</title>');
});
afterAll(async () => {
  await rm(dashboardDir, { recursive: true, force: true });
});
// The per-IP brake is lifted (every request comes from 127.0.0.1): the per-link limit (8) is under test.
const api = useStatsAgencies(
  {
    overrides: () => ({ dashboardDir }),
    env: {
      API_LOGIN_MAX_FAILURES_PER_ACCOUNT: '8',
      API_LOGIN_MAX_FAILURES_PER_IP: '100000',
      API_BCRYPT_QUEUE_MAX: '200',
    },
  },
  ['admin', 'viewer'],
);

async function makeLink(body: Record<string, unknown>) {
  const r = await call(api.url, 'POST', `/v1/sites/${api.ids.siteA}/share-links`, {
    token: api.tok.admin,
    body,
  });
  expect(r.status).toBe(201);
  return r.body as { link: { id: string }; url: string; token: string };
}

async function open(token: string, password?: string) {
  return call(api.url, 'POST', '/v1/share/session', { body: { token, ...(password ? { password } : {}) } });
}

test('a share link opens the dashboard reads of its site only, read only, with its page scope', async () => {
  const made = await makeLink({ label: 'Client board', filters: { page_path: ['/pricing'] } });
  expect(made.url).toMatch(/^http:\/\/localhost:3000\/share\/bshl_[A-Za-z0-9_-]{43}$/);
  // Only the hash is stored.
  const stored = await api.pool.query('SELECT token_hash FROM share_links WHERE id = $1', [made.link.id]);
  expect(stored.rows[0].token_hash).not.toContain(made.token);
  const s = await open(made.token);
  expect(s.status).toBe(200);
  expect(s.body.site).toMatchObject({ id: api.ids.siteA, name: 'A', timezone: 'America/New_York' });
  const share = s.body.access_token as string;

  // The scope wins over the query: the share answer equals the admin's answer filtered on /pricing,
  // whatever page_path the viewer asks for, and differs from the unfiltered one.
  const scoped = await call(
    api.url,
    'GET',
    `/v1/sites/${api.ids.siteA}/stats/overview?${R}&page_path=/blog/a`,
    {
      token: share,
    },
  );
  const pricing = await call(
    api.url,
    'GET',
    `/v1/sites/${api.ids.siteA}/stats/overview?${R}&page_path=/pricing`,
    {
      token: api.tok.admin,
    },
  );
  const all = await call(api.url, 'GET', `/v1/sites/${api.ids.siteA}/stats/overview?${R}`, {
    token: api.tok.admin,
  });
  expect(scoped.status).toBe(200);
  expect(scoped.body).toEqual(pricing.body);
  expect(scoped.body).not.toEqual(all.body);
  const pages = await call(api.url, 'GET', `/v1/sites/${api.ids.siteA}/stats/breakdown/pages?${R}`, {
    token: share,
  });
  expect(pages.body.items.map((r: { value: string }) => r.value)).toEqual(['/pricing']);

  // From the OpenAPI document (what the API says of itself): every authenticated route without
  // `x-share: read` refuses the share token (403); every `read` route answers it 200 for the link's
  // site and 404 for the agency's other site and for another agency's site.
  const funnel = await call(api.url, 'POST', `/v1/sites/${api.ids.siteA}/funnels`, {
    token: api.tok.admin,
    body: {
      name: 'Share probe',
      steps: [
        { type: 'page', page_pattern: '/' },
        { type: 'page', page_pattern: '/pricing' },
      ],
      window: { mode: 'session' },
    },
  });
  expect(funnel.status).toBe(201);
  // A stored lead score (the alerting pass computes them; here a fixture row like the events).
  await api.pool.query(
    `INSERT INTO company_scores (site_id, domain, score, engagement, intent, fit, parts, first_seen, last_seen)
     VALUES ('tsite_a', 'acme.example', 50, 20, 20, 10, '{}', now(), now())`,
  );
  const doc = (await call(api.url, 'GET', '/openapi.json', { token: api.tok.admin })).body as {
    paths: Record<
      string,
      Record<string, { security?: unknown; 'x-share'?: string; parameters?: { name: string }[] }>
    >;
  };
  // A link without a page scope, for every read; the scoped one only where its scope can be applied.
  const whole = (await open((await makeLink({ label: 'Whole site' })).token)).body.access_token as string;
  const operations = Object.entries(doc.paths).flatMap(([path, ops]) =>
    Object.entries(ops).map(([method, op]) => ({ path, method, op })),
  );
  const read = operations.filter((o) => o.op['x-share'] === 'read').map((o) => o.path);
  // The conversion pages and the other aggregate reads of the shared view (issue 15).
  for (const p of [
    'stats/goals',
    'stats/revenue',
    'stats/revenue/{dimension}',
    'stats/web-vitals',
    'funnels/{funnelId}/stats',
    'stats/match-rates',
    'stats/event-properties',
  ])
    expect(read).toContain(`/v1/sites/{siteId}/${p}`);
  const probe = (path: string) =>
    path
      .replace('{siteId}', api.ids.siteA)
      .replace('{funnelId}', funnel.body.id)
      .replace('/revenue/{dimension}', '/revenue/channels')
      .replace('{dimension}', 'pages')
      .replace('{what}', 'pages')
      .replace('{domain}', 'acme.example')
      .replace(/\{[A-Za-z0-9_]+\}/g, 'probe');
  for (const { path: docPath, method, op } of operations.filter((o) => o.op.security)) {
    const path = probe(docPath);
    const qs = (op.parameters ?? []).some((x) => x.name === 'from') ? `?${R}` : '';
    const route = `${method} ${docPath}`;
    const res = await call(api.url, method.toUpperCase(), `${path}${qs}`, {
      token: whole,
      body: method === 'get' || method === 'delete' ? undefined : {},
    });
    if (op['x-share'] !== 'read') {
      expect({ route, status: res.status }).toEqual({ route, status: 403 });
      continue;
    }
    expect({ route, status: res.status }).toEqual({ route, status: 200 });
    const takesScope = (op.parameters ?? []).some((x) => x.name === 'page_path');
    const scopedRes = await call(api.url, 'GET', `${path}${qs}`, { token: share });
    expect({ route, status: scopedRes.status }).toEqual({ route, status: takesScope ? 200 : 403 });
    for (const other of [api.ids.siteA2, api.ids.siteB]) {
      const res2 = await call(api.url, 'GET', `${path.replace(api.ids.siteA, other)}${qs}`, { token: whole });
      expect({ route, other, status: res2.status }).toEqual({ route, other, status: 404 });
    }
  }

  // Revoked: refused at the very next request.
  expect(
    (
      await call(api.url, 'DELETE', `/v1/sites/${api.ids.siteA}/share-links/${made.link.id}`, {
        token: api.tok.admin,
      })
    ).status,
  ).toBe(204);
  const after = await call(api.url, 'GET', `/v1/sites/${api.ids.siteA}/stats/overview?${R}`, {
    token: share,
  });
  expect([after.status, after.body.error]).toEqual([401, 'unauthorized']);
  expect((await open(made.token)).status).toBe(404);
  const list = await call(api.url, 'GET', `/v1/sites/${api.ids.siteA}/share-links`, { token: api.tok.admin });
  expect(list.body.items.find((l: { id: string }) => l.id === made.link.id).status).toBe('revoked');
});

test('CSV only when the link allows it; an expired link is refused', async () => {
  const csv = await makeLink({ label: 'With CSV', allow_csv: true });
  const share = (await open(csv.token)).body.access_token as string;
  const r = await call(api.url, 'GET', `/v1/sites/${api.ids.siteA}/export/pages?${R}`, { token: share });
  expect(r.status).toBe(200);
  expect(r.headers.get('content-type')).toContain('text/csv');
  const soon = await makeLink({ label: 'Short', expires_at: new Date(Date.now() + 60_000).toISOString() });
  const shortToken = (await open(soon.token)).body;
  expect(shortToken.expires_in).toBeLessThanOrEqual(60);
  await api.pool.query(`UPDATE share_links SET expires_at = now() - interval '1 second' WHERE id = $1`, [
    soon.link.id,
  ]);
  expect(
    (
      await call(api.url, 'GET', `/v1/sites/${api.ids.siteA}/stats/overview?${R}`, {
        token: shortToken.access_token,
      })
    ).status,
  ).toBe(401);
  expect((await open(soon.token)).status).toBe(404);
  // Viewers cannot manage links; bad input is a 400.
  expect(
    (await call(api.url, 'GET', `/v1/sites/${api.ids.siteA}/share-links`, { token: api.tok.viewer })).status,
  ).toBe(403);
  for (const body of [
    { label: '' },
    { label: 'x', filters: { nope: ['a'] } },
    { label: 'x', frame_ancestors: ["'unsafe-inline'"] },
    { label: 'x', expires_at: '2020-01-01T00:00:00Z' },
    { label: 'x', password: 'short' },
  ]) {
    const bad = await call(api.url, 'POST', `/v1/sites/${api.ids.siteA}/share-links`, {
      token: api.tok.admin,
      body,
    });
    expect({ body, status: bad.status }).toEqual({ body, status: 400 });
  }
});

test('100 concurrent wrong passwords for a link: at most the limit of 401s, the rest 429, bounded time', async () => {
  const locked = await makeLink({ label: 'Locked', password: 'the-right-password' });
  // The password page learns the agency's brand (what the view shows past it), nothing of the site.
  expect((await open(locked.token)).body.details).toEqual({
    password_required: true,
    brand: { name: expect.any(String), primary_color: null, powered_by: true, logo: null },
  });
  const started = performance.now();
  const results = await Promise.all(
    Array.from({ length: 100 }, (_, i) => open(locked.token, `wrong-password-${i}`)),
  );
  const ms = performance.now() - started;
  const counts: Record<number, number> = {};
  for (const r of results) counts[r.status] = (counts[r.status] ?? 0) + 1;
  expect(counts[401]).toBeLessThanOrEqual(8);
  expect(counts[200]).toBeUndefined();
  expect((counts[401] ?? 0) + (counts[429] ?? 0)).toBe(100);
  console.log('share password flood', JSON.stringify({ counts, ms: Math.round(ms) }));
  expect(ms).toBeLessThan(15_000);
  // Even the right password waits out the window now (locked like an account).
  expect((await open(locked.token, 'the-right-password')).status).toBe(429);
  // A fresh link's right password works.
  const other = await makeLink({ label: 'Other', password: 'the-right-password' });
  expect((await open(other.token, 'the-right-password')).status).toBe(200);
});

test("the shared page is framable only by its link's origins", async () => {
  const embed = await makeLink({
    label: 'Embed',
    frame_ancestors: ['https://client.example', 'https://*.client.example'],
  });
  const plain = await makeLink({ label: 'Plain' });
  const e = await fetch(`${api.url}/share/${embed.token}`);
  const p = await fetch(`${api.url}/share/${plain.token}`);
  expect(e.status).toBe(200);
  expect(e.headers.get('content-security-policy')).toContain(
    'frame-ancestors https://client.example https://*.client.example',
  );
  expect(e.headers.get('x-frame-options')).toBeNull();
  expect(p.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
  expect(p.headers.get('x-frame-options')).toBe('SAMEORIGIN');
  // The rest of the dashboard stays unframable.
  const home = await fetch(`${api.url}/`);
  expect(home.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
});

test('white-label: the share view carries the brand; logos are checked by their bytes', async () => {
  const png = Buffer.from(
    'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==',
    'base64',
  );
  const put = (body: unknown) =>
    call(api.url, 'PUT', '/v1/agency/branding/logo', { token: api.tok.admin, body });
  const svg = Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>');
  expect((await put({ content_type: 'image/png', data: svg.toString('base64') })).status).toBe(400);
  expect((await put({ content_type: 'image/jpeg', data: png.toString('base64') })).body.message).toMatch(
    /the bytes are image\/png/,
  );
  const big = Buffer.concat([png, Buffer.alloc(70 * 1024)]);
  expect((await put({ content_type: 'image/png', data: big.toString('base64') })).status).toBe(400);
  expect((await put({ content_type: 'image/png', data: png.toString('base64') })).body.logo).toEqual({
    type: 'image/png',
    bytes: png.length,
  });
  const patch = await call(api.url, 'PATCH', '/v1/agency/branding', {
    token: api.tok.admin,
    body: { display_name: 'Acme Analytics', primary_color: '#C2410C', hide_powered_by: true },
  });
  expect(patch.body).toMatchObject({
    display_name: 'Acme Analytics',
    primary_color: '#c2410c',
    hide_powered_by: true,
  });
  expect(
    (
      await call(api.url, 'PATCH', '/v1/agency/branding', {
        token: api.tok.admin,
        body: { primary_color: 'red' },
      })
    ).status,
  ).toBe(400);
  expect((await call(api.url, 'GET', '/v1/agency/branding', { token: api.tok.viewer })).status).toBe(403);
  const brand = {
    name: 'Acme Analytics',
    primary_color: '#c2410c',
    powered_by: false,
    logo: `data:image/png;base64,${png.toString('base64')}`,
  };
  // The branding page's preview and every signed-in top bar: the brand as others see it, logo inline
  // (a viewer reads it, not the stored settings behind it).
  expect((await call(api.url, 'GET', '/v1/agency/brand', { token: api.tok.admin })).body).toEqual(brand);
  expect((await call(api.url, 'GET', '/v1/agency/brand', { token: api.tok.viewer })).body).toEqual(brand);
  const made = await makeLink({ label: 'Branded' });
  const s = await open(made.token);
  expect(s.body.brand).toEqual(brand);
  // A protected link's password page carries the same brand.
  const locked = await makeLink({ label: 'Branded, locked', password: 'the-right-password' });
  expect((await open(locked.token)).body.details).toEqual({ password_required: true, brand });
});
