import { LISTED_EVENT_COLUMNS } from '@beacon/schema';
import { call, login, seedAgency, seedUser, startTestApi, type TestApi } from './helpers.js';
import { EVENTS, OVERVIEW_A_JAN_10_16, SITE_A, seedStats, UTM_A_JAN_10_16 } from './fixtures/stats-data.js';
import * as a from '../src/routes/stats-schemas.js';

// The analytics routes over HTTP on real PostgreSQL: wiring (numbers reach the client), roles, the
// tenant wall (another agency gets 404 on every stats route), and bad input → 4xx. The numbers
// themselves are proven in stats-queries.test.ts against the plain-JS reference.

let t: TestApi;
let ids: Awaited<ReturnType<typeof seedStats>>;
const tokens: Record<'admin' | 'user' | 'viewer' | 'foreign', string> = {
  admin: '',
  user: '',
  viewer: '',
  foreign: '',
};
let apiKeyA = '';
const R = 'from=2026-01-10&to=2026-01-16';

/** Every analytics route, with concrete parameters (a test checks this list covers the document). */
const ROUTES = [
  ['/v1/sites/{siteId}/stats/events', `/stats/events?${R}`],
  ['/v1/sites/{siteId}/stats/business-visitors', `/stats/business-visitors?${R}`],
  ['/v1/sites/{siteId}/stats/sessions-by-day', `/stats/sessions-by-day?${R}`],
  ['/v1/sites/{siteId}/stats/top-referrers', `/stats/top-referrers?${R}`],
  ['/v1/sites/{siteId}/stats/utm-campaigns', `/stats/utm-campaigns?${R}`],
  ['/v1/sites/{siteId}/stats/overview', `/stats/overview?${R}`],
  ['/v1/sites/{siteId}/stats/timeseries', `/stats/timeseries?${R}&interval=day`],
  ['/v1/sites/{siteId}/stats/breakdown/{dimension}', `/stats/breakdown/pages?${R}`],
  ['/v1/sites/{siteId}/stats/event-properties', `/stats/event-properties?${R}&event_name=signup`],
  ['/v1/sites/{siteId}/stats/realtime', `/stats/realtime`],
  ['/v1/sites/{siteId}/stats/goals', `/stats/goals?${R}`],
  ['/v1/sites/{siteId}/stats/revenue', `/stats/revenue?${R}`],
  ['/v1/sites/{siteId}/stats/revenue/{dimension}', `/stats/revenue/channels?${R}`],
  ['/v1/sites/{siteId}/stats/web-vitals', `/stats/web-vitals?${R}&by=page`],
  ['/v1/sites/{siteId}/stats/match-rates', `/stats/match-rates?${R}`],
  ['/v1/sites/{siteId}/sessions', `/sessions?${R}`],
  ['/v1/sites/{siteId}/sessions/{sessionId}', `/sessions/S1`],
  ['/v1/sites/{siteId}/companies', `/companies?${R}`],
  ['/v1/sites/{siteId}/companies/{domain}', `/companies/acme.example?${R}`],
  ['/v1/sites/{siteId}/export/{what}', `/export/pages?${R}`],
] as const;

beforeAll(async () => {
  t = await startTestApi();
  const a = await seedAgency(t.db.pool, 'Agency A');
  const b = await seedAgency(t.db.pool, 'Agency B');
  apiKeyA = a.apiKey;
  ids = await seedStats(t.db.pool, { agencyA: a.id, agencyB: b.id });
  for (const role of ['admin', 'user', 'viewer'] as const) {
    const u = await seedUser(t.db.pool, a.id, role);
    tokens[role] = await login(t.url, u.email, u.password);
  }
  const f = await seedUser(t.db.pool, b.id, 'admin');
  tokens.foreign = await login(t.url, f.email, f.password);
});
afterAll(async () => {
  await t.close();
});

const get = (path: string, token = tokens.viewer) => call(t.url, 'GET', path, { token });

test('the probe list covers every analytics route of the document', async () => {
  const doc = (await get('/openapi.json')).body as { paths: Record<string, unknown> };
  const stats = Object.keys(doc.paths).filter((p) =>
    /^\/v1\/sites\/\{siteId\}\/(stats|sessions|companies|export)/.test(p),
  );
  expect(stats.sort()).toEqual(ROUTES.map((r) => r[0]).sort());
});

test.each(ROUTES)(
  '%s: every role and the API key read; another agency gets 404; no token 401',
  async (_doc, path) => {
    for (const token of [tokens.admin, tokens.user, tokens.viewer, apiKeyA]) {
      for (const ref of [ids.siteA, SITE_A]) {
        const r = await get(`/v1/sites/${ref}${path}`, token);
        expect([r.status, r.body?.error]).toEqual([200, undefined]);
      }
    }
    for (const ref of [ids.siteA, SITE_A]) {
      const r = await get(`/v1/sites/${ref}${path}`, tokens.foreign);
      expect(r.status).toBe(404);
      expect(r.body).toMatchObject({ error: 'not_found' });
      expect(JSON.stringify(r.body)).not.toContain('acme');
    }
    expect((await call(t.url, 'GET', `/v1/sites/${ids.siteA}${path}`)).status).toBe(401);
  },
);

test('answers match the response schemas of the OpenAPI document', async () => {
  const schemas = {
    '/stats/events': a.eventPageSchema,
    '/stats/business-visitors': a.businessVisitorPageSchema,
    '/stats/sessions-by-day': a.sessionsByDaySchema,
    '/stats/top-referrers': a.referrerPageSchema,
    '/stats/utm-campaigns': a.campaignPageSchema,
    '/stats/overview': a.overviewSchema,
    '/stats/timeseries': a.timeseriesSchema,
    '/stats/breakdown/pages': a.breakdownSchema,
    '/stats/breakdown/entry_pages': a.breakdownSchema,
    '/stats/realtime': a.realtimeSchema,
    '/stats/event-properties': a.eventPropertiesSchema,
    '/sessions': a.sessionPageSchema,
    '/sessions/S1': a.sessionEventsSchema,
    '/companies': a.companyPageSchema,
    '/companies/acme.example': a.companyDetailSchema,
    '/stats/match-rates': a.matchRatesSchema,
  };
  for (const [path, schema] of Object.entries(schemas)) {
    const r = await get(
      `/v1/sites/${ids.siteA}${path}?${R}`
        .replace('/stats/realtime?' + R, '/stats/realtime')
        .replace('/sessions/S1?' + R, '/sessions/S1'),
    );
    expect([path, r.status]).toEqual([path, 200]);
    const parsed = schema.safeParse(r.body);
    expect([path, parsed.success ? 'ok' : parsed.error.issues]).toEqual([path, 'ok']);
  }
});

test("event lists answer exactly the field registry's listed columns, as the document names them", async () => {
  const doc = (await get('/openapi.json')).body as {
    components: { schemas: Record<string, { properties: Record<string, unknown> }> };
  };
  const documented = Object.keys(doc.components.schemas.EventRow!.properties);
  expect(documented).toEqual([...LISTED_EVENT_COLUMNS]);
  const list = await get(`/v1/sites/${ids.siteA}/stats/events?${R}`);
  const session = await get(`/v1/sites/${ids.siteA}/sessions/S1`);
  for (const item of [list.body.items[0], session.body.items[0]])
    expect(Object.keys(item)).toEqual(documented);
});

test('the foreign agency reads its own site, and only its own events', async () => {
  const r = await get(`/v1/sites/${ids.siteB}/stats/overview?${R}`, tokens.foreign);
  expect(r.status).toBe(200);
  expect(r.body.current).toMatchObject({ visitors: 2, sessions: 2, page_views: 2 });
});

test('numbers reach the client', async () => {
  const base = `/v1/sites/${ids.siteA}`;
  const o = await get(`${base}/stats/overview?${R}`);
  expect(o.body.current).toEqual(OVERVIEW_A_JAN_10_16);
  expect(o.body.previous).toMatchObject({ visitors: 3, sessions: 3, page_views: 4 });
  const f = await get(`${base}/stats/overview?${R}&device_type=desktop&country=US`);
  expect(f.body.current).toMatchObject({ visitors: 1, sessions: 2, page_views: 4 });
  const ts = await get(`${base}/stats/timeseries?${R}&tz=UTC`);
  expect(ts.body.items.map((b: { sessions: number }) => b.sessions)).toEqual([2, 0, 1, 1, 1, 1, 0]); // UTC days: S1+S2, bot only, S3, S9, S7, S8, none
  const pages = await get(`${base}/stats/breakdown/pages?${R}&sort=page_views&limit=1`);
  expect(pages.body.items).toEqual([
    { value: '/pricing', visitors: 3, sessions: 3, page_views: 3, events: 3 },
  ]);
  expect(typeof pages.body.next_cursor).toBe('string');
  const next = await get(
    `${base}/stats/breakdown/pages?${R}&sort=page_views&limit=1&cursor=${pages.body.next_cursor}`,
  );
  expect(next.body.items[0].value).toBe('/');
  const refs = await get(`${base}/stats/top-referrers?${R}`);
  expect(refs.body.items[0]).toEqual({ referrer_domain: 'google.com', sessions: 2, events: 7 });
  const bv = await get(`${base}/stats/business-visitors?${R}`);
  expect(bv.body.items.map((c: { company_name: string }) => c.company_name)).toEqual(['Globex', 'Acme Corp']);
  const utm = await get(`${base}/stats/utm-campaigns?${R}&utm_source=google`);
  expect(utm.body.items).toEqual(UTM_A_JAN_10_16.filter((c) => c.utm_source === 'google'));
  const days = await get(`${base}/stats/sessions-by-day?${R}`);
  expect(days.body.items[0]).toMatchObject({ date: '2026-01-16', sessions: 1 });
  const ev = await get(`${base}/stats/events?${R}&limit=2`);
  expect(ev.body.items).toHaveLength(2);
  expect(ev.body.items[0]).toMatchObject({
    session_id: 'S4',
    page_path: '/',
    server_timestamp: '2026-01-17T04:59:30.000Z',
  });
  const sess = await get(`${base}/sessions/S7`);
  expect(sess.body.items.map((e: { event_name: string }) => e.event_name)).toEqual([
    'page_view',
    'click',
    'page_view',
  ]);
  expect((await get(`${base}/sessions/BS1`)).status).toBe(404); // agency B's session
  const comp = await get(`${base}/companies/globex.example?${R}`);
  expect(comp.body.totals).toMatchObject({ visitors: 1, sessions: 1, page_views: 2, events: 3 });
  expect((await get(`${base}/companies/nobody.example?${R}`)).status).toBe(404);
});

test('query durations are in beacon_api_query_duration_seconds by endpoint', async () => {
  await get(`/v1/sites/${ids.siteA}/stats/breakdown/countries?${R}`);
  const text = await (await fetch(`http://127.0.0.1:${t.api.opsPort}/metrics`)).text();
  expect(text).toMatch(
    /beacon_api_query_duration_seconds_count\{[^}]*endpoint="overview"[^}]*source="events"[^}]*\} [1-9]/,
  );
  expect(text).toMatch(/beacon_api_query_duration_seconds_count\{[^}]*endpoint="breakdown_countries"/);
});

test('CSV export is streamed as text/csv', async () => {
  const r = await fetch(`${t.url}/v1/sites/${ids.siteA}/export/events?${R}`, {
    headers: { authorization: `Bearer ${tokens.viewer}` },
  });
  expect(r.status).toBe(200);
  expect(r.headers.get('content-type')).toMatch(/^text\/csv/);
  expect(r.headers.get('content-disposition')).toContain(`${SITE_A}-events.csv`);
  const lines = (await r.text()).trimEnd().split('\r\n');
  expect(lines.length - 1).toBe(
    EVENTS.filter(
      (e) =>
        e.site_id === SITE_A &&
        e.visitor_type !== 'bot' &&
        e.server_timestamp >= '2026-01-10T05:00' &&
        e.server_timestamp < '2026-01-17T05:00',
    ).length,
  );
  const bad = await get(`/v1/sites/${ids.siteA}/export/nope?${R}`);
  expect(bad.status).toBe(400);
});

describe('bad input is a 4xx with the error shape, never a 500', () => {
  const base = () => `/v1/sites/${ids.siteA}`;
  test.each([
    ['/stats/overview?from=2026-02-30', 400],
    ['/stats/overview?from=2026-01-10&to=2026-01-01', 400],
    ['/stats/overview?tz=Mars/Olympus', 400],
    ['/stats/overview?contry=US', 400],
    ['/stats/overview?from=yesterday', 400],
    ['/stats/timeseries?interval=minute', 400],
    ['/stats/timeseries?from=2025-01-01&to=2026-01-01&interval=hour', 400],
    ['/stats/breakdown/passwords', 400],
    ['/stats/breakdown/pages?sort=visitors;DROP TABLE events', 400],
    ['/stats/breakdown/pages?order=sideways', 400],
    ['/stats/breakdown/pages?limit=0', 400],
    ['/stats/breakdown/pages?limit=abc', 400],
    ['/stats/breakdown/pages?limit=100000', 400],
    ['/stats/breakdown/pages?cursor=garbage', 400],
    ['/stats/events?cursor=eyJ0IjoieCIsImsiOiJ5In0', 400],
    ['/sessions?cursor=W10', 400],
    ['/stats/overview?from=2026-01-10&to=2026-01-10T00:00:00Z', 400],
    [`/stats/overview?country=${'x'.repeat(600)}`, 400],
  ])('%s → %d', async (path, status) => {
    const r = await get(`${base()}${path}`);
    expect(r.status).toBe(status);
    expect(r.body).toMatchObject({ error: expect.any(String), message: expect.any(String) });
    expect(JSON.stringify(r.body)).not.toMatch(/at .*\.(ts|js):/);
  });

  test('SQL injection in parameters is harmless', async () => {
    for (const evil of ["US' OR '1'='1", "'; DROP TABLE events; --", '") OR 1=1 --', '$1']) {
      const e = encodeURIComponent(evil);
      const r = await get(`${base()}/stats/breakdown/pages?${R}&country=${e}&utm_source=${e}`);
      expect([r.status, r.body.items]).toEqual([200, []]);
      const s = await get(`${base()}/sessions/${e}`);
      expect(s.status).toBe(404);
      const c = await get(`${base()}/companies/${e}?${R}`);
      expect(c.status).toBe(404);
    }
    const { rows } = await t.db.pool.query('SELECT count(*)::int AS n FROM events');
    expect(rows[0].n).toBe(EVENTS.length);
  });
});

// Last in the file: it adds rows to site A2.
test('a client leaving a CSV export mid-stream ends its transaction and frees the connection', async () => {
  await t.db.pool.query(
    `INSERT INTO events (id, site_id, event_name, server_timestamp, client_id, session_id, page_path, page_url)
     SELECT gen_random_uuid(), $1, 'page_view', '2026-01-12T12:00:00Z'::timestamptz + g * interval '1 second',
            'c' || (g % 500), 's' || (g % 2000), '/p/' || g, 'https://a2.example/' || repeat('x', 300) || g
     FROM generate_series(1, 60000) g`,
    ['tsite_a2'],
  );
  const ac = new AbortController();
  const r = await fetch(`${t.url}/v1/sites/${ids.siteA2}/export/events?${R}`, {
    headers: { authorization: `Bearer ${tokens.viewer}` },
    signal: ac.signal,
  });
  expect(r.status).toBe(200);
  const reader = r.body!.getReader();
  const first = await reader.read();
  expect(new TextDecoder().decode(first.value).startsWith('id,site_id')).toBe(true);
  ac.abort();
  await reader.cancel().catch(() => undefined);
  const busy = async () =>
    (
      await t.db.pool.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM pg_stat_activity
         WHERE datname = $1 AND application_name = 'beacon-api' AND (state <> 'idle' OR xact_start IS NOT NULL)`,
        [t.db.name],
      )
    ).rows[0]!.n;
  const deadline = Date.now() + 10_000;
  while ((await busy()) > 0 && Date.now() < deadline) await new Promise((res) => setImmediate(res));
  expect(await busy()).toBe(0);
  expect((await get(`/v1/sites/${ids.siteA}/stats/overview?${R}`)).status).toBe(200);
});
