import { randomUUID } from 'node:crypto';
import type { Pool } from 'pg';
import { webVitals } from '../src/queries/vitals.js';
import * as q from '../src/queries/index.js';
import { insertEvents, type Ev } from './fixtures/conversions-data.js';
import { call, login, seedTwoAgencies, startTestApi, type TestApi } from './helpers.js';

// Web vitals (docs/conversions.md): p75 and the good / needs-improvement / poor split per metric,
// overall and by page and device, against a plain-JS reference on hand-made web_vitals events.

let t: TestApi;
let pool: Pool;
let f: Awaited<ReturnType<typeof seedTwoAgencies>>;
let site: q.StatsSite;
const evs: Ev[] = [];
const THRESHOLDS: Record<string, [number, number]> = {
  lcp: [2500, 4000],
  inp: [200, 500],
  cls: [0.1, 0.25],
  fcp: [1800, 3000],
  ttfb: [800, 1800],
};

function p75(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const pos = (s.length - 1) * 0.75;
  const lo = Math.floor(pos);
  return s[lo]! + (s[Math.ceil(pos)]! - s[lo]!) * (pos - lo);
}

beforeAll(async () => {
  t = await startTestApi();
  pool = t.db.pool;
  f = await seedTwoAgencies(pool);
  site = { scriptId: f.siteA.scriptId, config: {} };
  let n = 0;
  for (const path of ['/', '/pricing', '/blog/a']) {
    for (const device of ['desktop', 'mobile']) {
      for (let i = 0; i < 9; i++) {
        n++;
        const props: Record<string, unknown> = {
          lcp: 800 + ((n * 397) % 5000),
          fcp: 300 + ((n * 211) % 3500),
          ttfb: 50 + ((n * 97) % 2200),
          cls: ((n * 13) % 40) / 100,
        };
        if (i % 3 === 0) props.inp = 40 + ((n * 59) % 700);
        if (i === 4) props.lcp = 'n/a'; // not a number: left out
        evs.push({
          id: randomUUID(),
          site_id: f.siteA.scriptId,
          event_name: 'web_vitals',
          server_timestamp: new Date(Date.UTC(2026, 2, 10, 8, n)).toISOString(),
          client_id: `c${n}`,
          session_id: `s${n}`,
          user_id: null,
          visitor_type: i === 8 ? 'bot' : 'human',
          page_path: path,
          page_url: `https://x.example${path}`,
          channel: null,
          utm_source: null,
          utm_campaign: null,
          referrer_domain: null,
          country: null,
          device_type: device,
          company_name: null,
          properties: props,
          ecommerce_data: null,
          lead_data: null,
        });
      }
    }
  }
  await insertEvents(pool, evs);
}, 60_000);

afterAll(async () => {
  await t?.close();
});

function reference(rows: Ev[]) {
  return Object.entries(THRESHOLDS).flatMap(([metric, [good, poor]]) => {
    const xs = rows.map((e) => e.properties?.[metric]).filter((x): x is number => typeof x === 'number');
    if (xs.length === 0) return [];
    return [
      {
        metric,
        samples: xs.length,
        p75: Math.round(p75(xs) * 1e6) / 1e6,
        good: xs.filter((x) => x <= good).length,
        needs_improvement: xs.filter((x) => x > good && x <= poor).length,
        poor: xs.filter((x) => x > poor).length,
      },
    ];
  });
}

const round = <T extends { p75: number }>(r: T) => ({ ...r, p75: Math.round(r.p75 * 1e6) / 1e6 });

test('overall and per page / device = reference (bots and non-numbers left out)', async () => {
  const humans = evs.filter((e) => e.visitor_type !== 'bot');
  const range = { from: '2026-03-10', to: '2026-03-10', limit: '50' };
  const all = await webVitals({ pool }, site, { ...q.pagedQuery.parse(range) });
  expect(all.items.map(({ value: _v, ...r }) => round(r))).toEqual(reference(humans));
  for (const [by, col] of [
    ['page', 'page_path'],
    ['device', 'device_type'],
  ] as const) {
    const got = await webVitals({ pool }, site, { ...q.pagedQuery.parse(range), by });
    const values = [...new Set(humans.map((e) => e[col] as string))].sort();
    expect([...new Set(got.items.map((i) => i.value))].sort()).toEqual(values);
    for (const v of values) {
      const mine = got.items.filter((i) => i.value === v).map(({ value: _v, ...r }) => round(r));
      expect([v, mine]).toEqual([v, reference(humans.filter((e) => e[col] === v))]);
    }
  }
  const top1 = await webVitals({ pool }, site, {
    ...q.pagedQuery.parse({ ...range, limit: '1' }),
    by: 'page',
  });
  expect(new Set(top1.items.map((i) => i.value)).size).toBe(1);
});

test('route: every role reads, another agency 404, bad `by` 400', async () => {
  const viewer = await login(t.url, f.viewer.email, f.viewer.password);
  const adminB = await login(t.url, f.adminB.email, f.adminB.password);
  const path = `/v1/sites/${f.siteA.id}/stats/web-vitals?from=2026-03-10&to=2026-03-10&by=device`;
  const r = await call(t.url, 'GET', path, { token: viewer });
  expect(r.status).toBe(200);
  expect(r.body.items.length).toBe(10);
  expect((await call(t.url, 'GET', path, { token: adminB })).status).toBe(404);
  expect((await call(t.url, 'GET', `${path.replace('by=device', 'by=os')}`, { token: viewer })).status).toBe(
    400,
  );
});
