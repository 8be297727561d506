import { randomUUID } from 'node:crypto';
import { insertEventRows } from '@beacon/testkit';
import { call, login, seedAgency, seedUser, startTestApi, type TestApi } from './helpers.js';

// Issue #16: explainable matches (GET /companies/{domain} → match) and the match-rate panel
// (GET /stats/match-rates), over HTTP on real PostgreSQL; another agency's ranges never show.

let t: TestApi;
let siteA = '';
let siteB = '';
let tokenA = '';
let tokenAdminA = '';
let tokenB = '';
const SCRIPT = 'tmatch_a';
const R = 'from=2026-03-01&to=2026-03-02&tz=UTC';

/** A session's company and how it was matched: [name, domain, source, confidence]. */
type Match = readonly [name: string, domain: string, source: string, confidence: number];
const ACME_BY_RANGES: Match = ['Acme', 'acme.example', 'agency_ranges', 1];
const ACME_BY_ASN: Match = ['Acme', 'acme.example', 'asn', 0.5];
const GLOBEX_BY_MAXMIND: Match = ['Globex', 'globex.example', 'maxmind', 0.8];

interface E {
  session: string;
  at: string;
  visitor_type: string | null;
  company?: Match;
  asn?: string;
  is_hosting?: boolean;
  is_vpn?: boolean;
}

function row(e: E, script = SCRIPT) {
  return {
    id: randomUUID(),
    site_id: script,
    event_name: 'page_view',
    client_id: `c-${e.session}`,
    session_id: e.session,
    server_timestamp: e.at,
    page_path: '/',
    visitor_type: e.visitor_type,
    company_name: e.company?.[0] ?? null,
    company_domain: e.company?.[1] ?? null,
    company_source: e.company?.[2] ?? null,
    company_confidence: e.company?.[3] ?? null,
    asn: e.asn ?? null,
    is_hosting: e.is_hosting ?? null,
    is_vpn: e.is_vpn ?? null,
  };
}

/** A page view of a session matched to a company (visitor type business). */
const business = (session: string, at: string, company: Match, more: Partial<E> = {}): E => ({
  session,
  at,
  visitor_type: 'business',
  company,
  ...more,
});

const EVENTS: E[] = [
  // 2026-03-01: two company sessions (one by ranges, one by ASN), one ISP, one hosting, one bot, one unknown
  business('s1', '2026-03-01T09:00:00Z', ACME_BY_RANGES),
  business('s1', '2026-03-01T09:05:00Z', ACME_BY_RANGES),
  business('s2', '2026-03-01T10:00:00Z', ACME_BY_ASN, { asn: '64496' }),
  { session: 's3', at: '2026-03-01T11:00:00Z', visitor_type: 'consumer', asn: '20712' },
  { session: 's4', at: '2026-03-01T12:00:00Z', visitor_type: 'privacy_user', asn: '12306', is_hosting: true },
  { session: 's5', at: '2026-03-01T13:00:00Z', visitor_type: 'bot' },
  { session: 's6', at: '2026-03-01T14:00:00Z', visitor_type: null },
  // a cookieless-mode session (privacy_user, no network data) is unknown, not hosting
  { session: 's7', at: '2026-03-01T15:00:00Z', visitor_type: 'privacy_user' },
  // 2026-03-02: a returning Acme visit, by ASN; a session that started as consumer then named a company
  business('s8', '2026-03-02T08:00:00Z', ACME_BY_ASN, { asn: '64497' }),
  { session: 's9', at: '2026-03-02T09:00:00Z', visitor_type: 'consumer', asn: '64500' },
  business('s9', '2026-03-02T09:01:00Z', GLOBEX_BY_MAXMIND),
];

beforeAll(async () => {
  t = await startTestApi();
  const a = await seedAgency(t.db.pool, 'Agency A');
  const b = await seedAgency(t.db.pool, 'Agency B');
  const { rows } = await t.db.pool.query<{ id: string }>(
    `INSERT INTO sites (agency_id, name, domain, script_id, config) VALUES ($1, 'A', 'a.example', $2, '{}') RETURNING id`,
    [a.id, SCRIPT],
  );
  siteA = rows[0]!.id;
  const { rows: rb } = await t.db.pool.query<{ id: string }>(
    `INSERT INTO sites (agency_id, name, domain, script_id, config) VALUES ($1, 'B', 'b.example', 'tmatch_b', '{}') RETURNING id`,
    [b.id],
  );
  siteB = rb[0]!.id;
  // Agency B's site is visited by Acme and Globex too: A's overrides must not change B's view.
  const eventsB = [EVENTS[0]!, EVENTS[10]!].map((e) => row(e, 'tmatch_b'));
  await insertEventRows(t.db.pool, [...EVENTS.map((e) => row(e)), ...eventsB]);
  // Agency A's ranges naming acme.example (a /24 and a narrower /28), and agency B's own range for the
  // same domain: B's must never show in A's answer.
  await t.db.pool.query(
    `INSERT INTO company_ip_ranges (agency_id, range_start, range_end, company_name, company_domain) VALUES
       ($1, '198.51.100.0', '198.51.100.255', 'Acme', 'acme.example'),
       ($1, '198.51.100.16', '198.51.100.31', 'Acme R&D', 'acme.example'),
       ($2, '203.0.113.0', '203.0.113.255', 'Acme (B)', 'acme.example')`,
    [a.id, b.id],
  );
  const ua = await seedUser(t.db.pool, a.id, 'viewer');
  tokenA = await login(t.url, ua.email, ua.password);
  const uaa = await seedUser(t.db.pool, a.id, 'user');
  tokenAdminA = await login(t.url, uaa.email, uaa.password);
  const ub = await seedUser(t.db.pool, b.id, 'admin');
  tokenB = await login(t.url, ub.email, ub.password);
});
afterAll(async () => {
  await t.close();
});

test('a company shows how it was matched: sources, confidence, ASNs, first/last seen, own ranges', async () => {
  const r = await call(t.url, 'GET', `/v1/sites/${siteA}/companies/acme.example?${R}`, { token: tokenA });
  expect(r.status).toBe(200);
  expect(r.body.match.sources).toEqual([
    {
      source: 'agency_ranges',
      confidence: 1,
      asns: null,
      events: 2,
      first_seen: '2026-03-01T09:00:00.000Z',
      last_seen: '2026-03-01T09:05:00.000Z',
    },
    {
      source: 'asn',
      confidence: 0.5,
      asns: ['64496', '64497'],
      events: 2,
      first_seen: '2026-03-01T10:00:00.000Z',
      last_seen: '2026-03-02T08:00:00.000Z',
    },
  ]);
  // The agency's own ranges, narrowest first; agency B's range for the same domain is not there.
  expect(r.body.match.ranges).toEqual([
    { range_start: '198.51.100.16', range_end: '198.51.100.31' },
    { range_start: '198.51.100.0', range_end: '198.51.100.255' },
  ]);
  const g = await call(t.url, 'GET', `/v1/sites/${siteA}/companies/globex.example?${R}`, { token: tokenA });
  expect(g.body.match).toEqual({
    sources: [expect.objectContaining({ source: 'maxmind', confidence: 0.8, events: 1 })],
    ranges: [],
  });
});

test('match rates: sessions per class and day; bots counted; cookieless is unknown', async () => {
  const r = await call(t.url, 'GET', `/v1/sites/${siteA}/stats/match-rates?${R}`, { token: tokenA });
  expect(r.status).toBe(200);
  expect(r.body.items.map(({ start: _s, ...rest }: Record<string, unknown>) => rest)).toEqual([
    {
      bucket: '2026-03-01T00:00:00',
      sessions: 7,
      company: 2,
      isp_residential: 1,
      hosting_vpn: 1,
      bot: 1,
      unknown: 2,
    },
    {
      bucket: '2026-03-02T00:00:00',
      sessions: 2,
      company: 2,
      isp_residential: 0,
      hosting_vpn: 0,
      bot: 0,
      unknown: 0,
    },
  ]);
  const h = await call(t.url, 'GET', `/v1/sites/${siteA}/stats/match-rates?${R}&interval=month`, {
    token: tokenA,
  });
  expect(h.body.items).toEqual([expect.objectContaining({ sessions: 9, company: 4 })]);
});

test('walls and bad input: another agency gets 404, bad parameters 400', async () => {
  for (const path of [`/companies/acme.example?${R}`, `/stats/match-rates?${R}`]) {
    const r = await call(t.url, 'GET', `/v1/sites/${siteA}${path}`, { token: tokenB });
    expect([path, r.status]).toEqual([path, 404]);
    expect((await call(t.url, 'GET', `/v1/sites/${siteA}${path}`)).status).toBe(401);
  }
  for (const q of [
    'from=2026-03-01&to=2026-03-02&interval=year',
    'from=nope&to=2026-03-02',
    `${R}&country=DE`,
  ]) {
    const r = await call(t.url, 'GET', `/v1/sites/${siteA}/stats/match-rates?${q}`, { token: tokenA });
    expect([q, r.status]).toEqual([q, 400]);
  }
  const many = await call(
    t.url,
    'GET',
    `/v1/sites/${siteA}/stats/match-rates?from=2020-01-01&to=2026-01-01&interval=hour`,
    {
      token: tokenA,
    },
  );
  expect(many.status).toBe(400);
});

test("overrides change only the agency's own views: not a company, name, industry, size", async () => {
  const list = async (site: string, token: string) =>
    (await call(t.url, 'GET', `/v1/sites/${site}/companies?${R}`, { token })).body.items.map(
      (c: { name: string; domain: string; industry: string | null }) => [c.domain, c.name, c.industry],
    );
  const business = async (site: string, token: string) =>
    (await call(t.url, 'GET', `/v1/sites/${site}/stats/business-visitors?${R}`, { token })).body.items.map(
      (c: { company_domain: string }) => c.company_domain,
    );
  expect(await list(siteA, tokenA)).toEqual([
    ['acme.example', 'Acme', null],
    ['globex.example', 'Globex', null],
  ]);
  // A viewer may not write; bad input is a 400.
  const put = (body: unknown, token = tokenAdminA) =>
    call(t.url, 'PUT', '/v1/company-overrides', { token, body });
  expect((await put({ domain: 'acme.example', not_company: true }, tokenA)).status).toBe(403);
  for (const bad of [
    {},
    { domain: 'not a domain' },
    { domain: 'acme.example', extra: 1 },
    { domain: 'acme.example', name: '' },
  ])
    expect([bad, (await put(bad)).status]).toEqual([bad, 400]);

  const marked = await put({ domain: 'WWW.Acme.Example', not_company: true });
  expect(marked.status).toBe(200);
  expect(marked.body).toMatchObject({ domain: 'acme.example', not_company: true });
  expect(
    (
      await put({
        domain: 'globex.example',
        name: 'Globex Corporation',
        industry: 'Software',
        employee_count: '50-99',
      })
    ).status,
  ).toBe(200);

  expect(await list(siteA, tokenA)).toEqual([['globex.example', 'Globex Corporation', 'Software']]);
  expect(await business(siteA, tokenA)).toEqual(['globex.example']);
  const detail = await call(t.url, 'GET', `/v1/sites/${siteA}/companies/globex.example?${R}`, {
    token: tokenA,
  });
  expect(detail.body.company).toMatchObject({
    name: 'Globex Corporation',
    industry: 'Software',
    employee_count: '50-99',
  });
  expect(detail.body.override).toMatchObject({ not_company: false, name: 'Globex Corporation' });

  // Agency B's view of the same domains is unchanged, and B does not see A's overrides.
  expect(await list(siteB, tokenB)).toEqual([
    ['acme.example', 'Acme', null],
    ['globex.example', 'Globex', null],
  ]);
  expect(await business(siteB, tokenB)).toEqual(expect.arrayContaining(['acme.example', 'globex.example']));
  const detailB = await call(t.url, 'GET', `/v1/sites/${siteB}/companies/globex.example?${R}`, {
    token: tokenB,
  });
  expect(detailB.body.override).toBeNull();
  expect(detailB.body.company.name).not.toBe('Globex Corporation');
  expect((await call(t.url, 'GET', '/v1/company-overrides', { token: tokenB })).body.items).toEqual([]);
  expect(
    (await call(t.url, 'DELETE', '/v1/company-overrides?domain=acme.example', { token: tokenB })).status,
  ).toBe(404);

  // A lists and removes its own.
  const mine = await call(t.url, 'GET', '/v1/company-overrides', { token: tokenA });
  expect(mine.body.items.map((o: { domain: string }) => o.domain)).toEqual([
    'acme.example',
    'globex.example',
  ]);
  expect(
    (await call(t.url, 'DELETE', '/v1/company-overrides?domain=acme.example', { token: tokenAdminA })).status,
  ).toBe(204);
  expect((await list(siteA, tokenA)).map((c: string[]) => c[0])).toEqual(['acme.example', 'globex.example']);
});

test("merging two domains counts one company in the agency's views only", async () => {
  const put = (body: unknown) => call(t.url, 'PUT', '/v1/company-overrides', { token: tokenAdminA, body });
  expect((await put({ domain: 'acme.example', merge_into: 'acme.example' })).status).toBe(400);
  expect((await put({ domain: 'globex.example', merge_into: 'Acme.Example' })).body).toMatchObject({
    domain: 'globex.example',
    merge_into: 'acme.example',
    name: null,
  });
  const listA = await call(t.url, 'GET', `/v1/sites/${siteA}/companies?${R}`, { token: tokenA });
  // Acme's events of s1 (2), s2, s8 and Globex's one of s9: four visitors, four sessions, one company.
  expect(listA.body.items).toEqual([
    expect.objectContaining({ domain: 'acme.example', name: 'Acme', visitors: 4, sessions: 4, events: 5 }),
  ]);
  const detail = await call(t.url, 'GET', `/v1/sites/${siteA}/companies/acme.example?${R}`, {
    token: tokenA,
  });
  expect(detail.body.merged_domains).toEqual(['globex.example']);
  expect(detail.body.totals).toMatchObject({ visitors: 4, sessions: 4, events: 5 });
  // Agency B still sees two companies.
  const listB = await call(t.url, 'GET', `/v1/sites/${siteB}/companies?${R}`, { token: tokenB });
  expect(listB.body.items.map((c: { domain: string }) => c.domain).sort()).toEqual([
    'acme.example',
    'globex.example',
  ]);
});
