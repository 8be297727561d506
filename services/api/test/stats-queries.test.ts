import { neutralizeFormulas } from '@beacon/db';
import { insertEventRows, useTestDatabase } from '@beacon/testkit';
import * as q from '../src/queries/index.js';
import {
  EVENTS,
  SITE_A,
  SITE_B,
  TZ_A,
  groupBy,
  localDay,
  seedStats,
  select,
  totals,
  counted,
  type Ev,
  OVERVIEW_A_JAN_10_16,
  UTM_A_JAN_10_16,
} from './fixtures/stats-data.js';

// Real PostgreSQL (a throwaway database); the query module's functions called directly. Expected
// numbers come from the plain-JS reference in fixtures/stats-data.ts, plus literal figures counted by
// hand from the data set so that a shared misunderstanding cannot pass both.

const db = useTestDatabase();
let deps: q.StatsDeps;
const site: q.StatsSite = { scriptId: SITE_A, config: { timezone: TZ_A } };
const RANGE = { from: '2026-01-10', to: '2026-01-16' };

/** Runs a query schema the way the route table does (raw query strings in, parsed values out). */
function parse<S extends { parse: (v: unknown) => unknown }>(
  schema: S,
  query: Record<string, string | string[]>,
): ReturnType<S['parse']> {
  return schema.parse(query) as ReturnType<S['parse']>;
}

beforeAll(async () => {
  await seedStats(db.pool);
  deps = { pool: db.pool };
});

describe('overview', () => {
  test('current and previous period, by hand and by the reference', async () => {
    const r = await q.overview(deps, site, parse(q.statsQuery, RANGE));
    expect(r.current).toEqual(OVERVIEW_A_JAN_10_16); // counted by hand
    // Previous: S2 (New York 01-09 23:59), P1, P2.
    expect(r.previous).toMatchObject({
      visitors: 3,
      sessions: 3,
      page_views: 4,
      events: 4,
      bounced_sessions: 2,
      avg_session_duration: 15,
    });
    expect(r.previous.bounce_rate).toBeCloseTo(2 / 3, 10);
    expect(r.current).toEqual(totals(select(SITE_A, '2026-01-10', '2026-01-16', TZ_A)));
    const prev = totals(select(SITE_A, '2026-01-03', '2026-01-09', TZ_A));
    expect(r.previous).toMatchObject({ ...prev, bounce_rate: expect.any(Number) });
    expect(r.change.visitors).toBeCloseTo((5 - 3) / 3, 10);
    expect(r.change.sessions).toBeCloseTo(1, 10);
  });

  test('tz=UTC moves the day boundaries', async () => {
    const r = await q.overview(deps, site, parse(q.statsQuery, { ...RANGE, tz: 'UTC' }));
    // In UTC S2 (01-10T04:59Z) is in the range and S4 (01-17T04:59Z) is not.
    const expected = totals(select(SITE_A, '2026-01-10', '2026-01-16', 'UTC'));
    expect(r.current).toEqual(expected);
    expect(r.current.sessions).toBe(6);
    expect(r.current.page_views).toBe(8);
  });

  test('filters combine with AND; a repeated key is OR within it', async () => {
    const both = await q.overview(
      deps,
      site,
      parse(q.statsQuery, { ...RANGE, device_type: 'desktop', country: 'US' }),
    );
    expect(both.current).toEqual(
      totals(
        select(
          SITE_A,
          '2026-01-10',
          '2026-01-16',
          TZ_A,
          (e) => e.device_type === 'desktop' && e.country === 'US',
        ),
      ),
    );
    expect(both.current.sessions).toBe(2); // S1, S8
    const anyOf = await q.overview(
      deps,
      site,
      parse(q.statsQuery, { ...RANGE, country: ['US', 'GB'], channel: 'organic_social' }),
    );
    expect(anyOf.current.sessions).toBe(1); // S3
    const none = await q.overview(
      deps,
      site,
      parse(q.statsQuery, { ...RANGE, utm_campaign: '(none)', device_type: 'mobile' }),
    );
    expect(none.current.sessions).toBe(0);
  });

  test('bots only when visitor_type asks', async () => {
    const bots = await q.overview(deps, site, parse(q.statsQuery, { ...RANGE, visitor_type: 'bot' }));
    expect(bots.current).toMatchObject({ visitors: 1, sessions: 1, page_views: 2 });
    const business = await q.overview(
      deps,
      site,
      parse(q.statsQuery, { ...RANGE, visitor_type: 'business' }),
    );
    expect(business.current).toMatchObject({ visitors: 2, sessions: 2 }); // S4, S7
  });

  test.each([
    ['a quote and an always-true condition', "US' OR '1'='1"],
    ['a closed statement and a DROP', "US'); DROP TABLE events; --"],
    ['a placeholder', '$1'],
    ['an escaped quote and a slow query', "\\'; SELECT pg_sleep(5); --"],
  ])('SQL injection in filter values (%s) is just a value that matches nothing', async (_what, evil) => {
    const r = await q.overview(deps, site, parse(q.statsQuery, { ...RANGE, country: evil, page_path: evil }));
    expect(r.current.events).toBe(0);
    const { rows } = await db.pool.query('SELECT count(*)::int AS n FROM events');
    expect(rows[0].n).toBe(EVENTS.length);
  });
});

describe('time series', () => {
  test('days of the site timezone, empty days present', async () => {
    const r = await q.timeseries(deps, site, parse(q.timeseriesQuery, RANGE));
    expect(r.items.map((b) => b.bucket)).toEqual(
      [10, 11, 12, 13, 14, 15, 16].map((d) => `2026-01-${d}T00:00:00`),
    );
    const evs = select(SITE_A, '2026-01-10', '2026-01-16', TZ_A);
    for (const b of r.items) {
      const day = (b.bucket as string).slice(0, 10);
      const t = totals(evs.filter((e) => localDay(Date.parse(e.server_timestamp), TZ_A) === day));
      expect({
        day,
        visitors: b.visitors,
        sessions: b.sessions,
        page_views: b.page_views,
        events: b.events,
      }).toEqual({
        day,
        visitors: t.visitors,
        sessions: t.sessions,
        page_views: t.page_views,
        events: t.events,
      });
    }
    // S9 is 01-13 00:00 UTC but 01-12 19:00 in New York; S4 is counted on 01-16.
    expect(r.items.find((b) => b.bucket === '2026-01-12T00:00:00')).toMatchObject({ sessions: 2, events: 2 });
    expect(r.items.find((b) => b.bucket === '2026-01-16T00:00:00')).toMatchObject({
      sessions: 1,
      page_views: 2,
    });
    expect(new Date(r.items[0]!.start as string).toISOString()).toBe('2026-01-10T05:00:00.000Z');
  });

  test('hours, weeks and months', async () => {
    const hours = await q.timeseries(
      deps,
      site,
      parse(q.timeseriesQuery, { from: '2026-01-10', to: '2026-01-10', interval: 'hour' }),
    );
    expect(hours.items).toHaveLength(24);
    expect(hours.items[0]).toMatchObject({
      bucket: '2026-01-10T00:00:00',
      sessions: 1,
      page_views: 3,
      events: 4,
    });
    const weeks = await q.timeseries(deps, site, parse(q.timeseriesQuery, { ...RANGE, interval: 'week' }));
    // ISO weeks: Mon 01-05 (holds 10, 11) and Mon 01-12 (12..16).
    expect(weeks.items.map((b) => [b.bucket, b.sessions])).toEqual([
      ['2026-01-05T00:00:00', 1],
      ['2026-01-12T00:00:00', 5],
    ]);
    const months = await q.timeseries(
      deps,
      site,
      parse(q.timeseriesQuery, { from: '2026-01-01', to: '2026-02-28', interval: 'month' }),
    );
    expect(months.items.map((b) => [b.bucket, b.sessions])).toEqual([
      ['2026-01-01T00:00:00', 10],
      ['2026-02-01T00:00:00', 0],
    ]); // S5 (01-17 00:00) too
  });

  test('too many buckets is an input error', async () => {
    await expect(
      q.timeseries(
        deps,
        site,
        parse(q.timeseriesQuery, { from: '2025-01-01', to: '2026-01-01', interval: 'hour' }),
      ),
    ).rejects.toMatchObject({ status: 400 });
  });
});

describe('breakdowns', () => {
  const evs = () => select(SITE_A, '2026-01-10', '2026-01-16', TZ_A);
  const sortRef = (rows: ReturnType<typeof groupBy>) =>
    rows.sort(
      (a, b) =>
        b.visitors - a.visitors ||
        (a.value === null ? 1 : b.value === null ? -1 : a.value < b.value ? -1 : a.value > b.value ? 1 : 0),
    );

  test.each([
    ['referrers', (e: Ev) => e.referrer_domain, () => true],
    ['channels', (e: Ev) => e.channel, () => true],
    ['countries', (e: Ev) => e.country, () => true],
    ['cities', (e: Ev) => e.city, () => true],
    ['devices', (e: Ev) => e.device_type, () => true],
    ['browsers', (e: Ev) => e.browser, () => true],
    ['os', (e: Ev) => e.os, () => true],
    ['utm_campaigns', (e: Ev) => e.utm_campaign, () => true],
    ['visitor_types', (e: Ev) => e.visitor_type, () => true],
    ['pages', (e: Ev) => e.page_path, (e: Ev) => e.event_name === 'page_view'],
    ['events', (e: Ev) => e.event_name, (e: Ev) => e.event_name !== 'page_view' && counted(e)],
    ['companies', (e: Ev) => e.company_name, (e: Ev) => e.company_name !== null],
    ['industries', (e: Ev) => e.company_industry, (e: Ev) => e.company_industry !== null],
  ] as const)('%s', async (dimension, key, only) => {
    const r = await q.breakdown(deps, site, dimension, parse(q.breakdownQuery, RANGE));
    expect(r.items).toEqual(sortRef(groupBy(evs().filter(only), key)));
  });

  test('pages: hand-counted', async () => {
    const r = await q.breakdown(
      deps,
      site,
      'pages',
      parse(q.breakdownQuery, { ...RANGE, sort: 'page_views' }),
    );
    expect(r.items.slice(0, 2)).toEqual([
      { value: '/pricing', visitors: 3, sessions: 3, page_views: 3, events: 3 },
      { value: '/', visitors: 2, sessions: 2, page_views: 2, events: 2 },
    ]);
  });

  test('entry and exit pages', async () => {
    const entry = await q.breakdown(deps, site, 'entry_pages', parse(q.breakdownQuery, RANGE));
    // Entries: S1 '/', S3 '/blog/a', S4 '/pricing', S7 '/pricing', S8 '/blog/a' (S9 has no page view).
    expect(entry.items).toEqual([
      { value: '/blog/a', visitors: 2, sessions: 2, page_views: null, events: null },
      { value: '/pricing', visitors: 2, sessions: 2, page_views: null, events: null },
      { value: '/', visitors: 1, sessions: 1, page_views: null, events: null },
    ]);
    const exit = await q.breakdown(
      deps,
      site,
      'exit_pages',
      parse(q.breakdownQuery, { ...RANGE, sort: 'value', order: 'asc' }),
    );
    // Exits: S1 '/signup', S3 '/blog/a', S4 '/', S7 '/docs', S8 '/blog/a'.
    expect(exit.items.map((r) => [r.value, r.sessions])).toEqual([
      ['/', 1],
      ['/blog/a', 2],
      ['/docs', 1],
      ['/signup', 1],
    ]);
  });

  test('paging by cursor walks every row once', async () => {
    const all = await q.breakdown(deps, site, 'cities', parse(q.breakdownQuery, RANGE));
    const seen: unknown[] = [];
    let cursor: string | undefined;
    do {
      const page = await q.breakdown(
        deps,
        site,
        'cities',
        parse(q.breakdownQuery, { ...RANGE, limit: '1', ...(cursor ? { cursor } : {}) }),
      );
      expect(page.items.length).toBeLessThanOrEqual(1);
      seen.push(...page.items);
      cursor = page.next_cursor ?? undefined;
    } while (cursor);
    expect(seen).toEqual(all.items);
    expect(seen.length).toBeGreaterThan(2);
  });
});

describe('custom events by property', () => {
  test('counts (property, value) pairs of custom events only, by the reference', async () => {
    const r = await q.eventProperties(deps, site, parse(q.eventPropertiesQuery, RANGE));
    const ref = new Map<string, { property: string; value: string; visitors: Set<string>; events: number }>();
    for (const e of select(
      SITE_A,
      RANGE.from,
      RANGE.to,
      TZ_A,
      (x) => x.event_name !== 'page_view' && counted(x),
    ))
      for (const [k, v] of Object.entries(e.properties ?? {})) {
        const key = `${k}=${String(v)}`;
        const row = ref.get(key) ?? { property: k, value: String(v), visitors: new Set(), events: 0 };
        row.visitors.add(e.client_id);
        row.events++;
        ref.set(key, row);
      }
    const want = [...ref.values()].map((x) => ({ ...x, visitors: x.visitors.size }));
    expect(r.items).toEqual(expect.arrayContaining(want.map((w) => expect.objectContaining(w))));
    expect(r.items).toHaveLength(want.length);
    // The engagement event's page_view_id is not a custom event's property.
    expect(r.items.map((x) => x.property)).not.toContain('page_view_id');
    expect(r.items[0]).toEqual({ property: 'plan', value: 'pro', visitors: 2, events: 2 });
    const signup = await q.eventProperties(
      deps,
      site,
      parse(q.eventPropertiesQuery, { ...RANGE, event_name: 'signup' }),
    );
    expect(signup.items.map((x) => `${x.property}=${x.value}`).sort()).toEqual(['plan=pro', 'seats=3']);
  });
});

describe("the seed's five questions", () => {
  test('recent events: newest first, keyset pages, site-only', async () => {
    const expected = select(SITE_A, '2026-01-10', '2026-01-16', TZ_A).sort((a, b) =>
      a.server_timestamp < b.server_timestamp
        ? 1
        : a.server_timestamp > b.server_timestamp
          ? -1
          : a.id < b.id
            ? 1
            : -1,
    );
    const ids: string[] = [];
    let cursor: string | undefined;
    for (let i = 0; i < 20; i++) {
      const page = await q.recentEvents(
        deps,
        site,
        parse(q.pagedQuery, { ...RANGE, limit: '5', ...(cursor ? { cursor } : {}) }),
      );
      ids.push(...page.items.map((r) => r.id));
      expect(page.items.every((r) => !('cursor_ts' in r))).toBe(true);
      if (!page.next_cursor) break;
      cursor = page.next_cursor;
    }
    expect(ids).toEqual(expected.map((e) => e.id));
  });

  test('business visitors', async () => {
    const r = await q.businessVisitors(deps, site, parse(q.pagedQuery, RANGE));
    expect(r.items).toEqual([
      {
        company_name: 'Globex',
        company_domain: 'globex.example',
        company_industry: 'Software',
        unique_visitors: 1,
        total_events: 3,
      },
      {
        company_name: 'Acme Corp',
        company_domain: 'acme.example',
        company_industry: 'Manufacturing',
        unique_visitors: 1,
        total_events: 2,
      },
    ]);
  });

  test('sessions by day in the site timezone', async () => {
    const r = await q.sessionsByDay(deps, site, parse(q.statsQuery, RANGE));
    const evs = select(SITE_A, '2026-01-10', '2026-01-16', TZ_A);
    const days = [...new Set(evs.map((e) => localDay(Date.parse(e.server_timestamp), TZ_A)))]
      .sort()
      .reverse();
    expect(r.items.map((d) => d.date)).toEqual(days);
    const d10 = r.items.find((d) => d.date === '2026-01-10')!;
    expect(d10).toEqual({
      date: '2026-01-10',
      sessions: 1,
      unique_users: 1,
      total_events: 4,
      avg_time_on_page: 20,
    });
  });

  test('top referrers and UTM campaigns', async () => {
    const refs = await q.topReferrers(deps, site, parse(q.pagedQuery, RANGE));
    expect(refs.items).toEqual([
      { referrer_domain: 'google.com', sessions: 2, events: 7 },
      { referrer_domain: 't.co', sessions: 1, events: 1 },
    ]);
    const utm = await q.utmCampaigns(deps, site, parse(q.pagedQuery, RANGE));
    expect(utm.items).toEqual(UTM_A_JAN_10_16);
  });
});

describe('realtime, sessions, companies, export', () => {
  test('realtime counts the last 5 and 30 minutes', async () => {
    const now = Date.now();
    const at = (minAgo: number, client: string): Ev => ({
      ...EVENTS[0]!,
      id: crypto.randomUUID(),
      client_id: client,
      session_id: `rt-${client}`,
      server_timestamp: new Date(now - minAgo * 60_000).toISOString(),
    });
    await insertEventRows(db.pool, [
      at(2, 'rt1'),
      at(3, 'rt1'),
      at(10, 'rt2'),
      at(45, 'rt3'),
      { ...at(1, 'rt4'), visitor_type: 'bot' },
    ]);
    const r = await q.realtime(deps, site, parse(q.realtimeQuery, {}));
    expect(r).toEqual({ visitors_5m: 1, visitors_30m: 2, page_views_30m: 3, events_30m: 3 });
  });

  test('sessions list and one session', async () => {
    const r = await q.sessions(deps, site, parse(q.pagedQuery, RANGE));
    expect(r.items.map((s) => s.session_id)).toEqual(['S4', 'S8', 'S7', 'S9', 'S3', 'S1']);
    expect(r.items.find((s) => s.session_id === 'S1')).toMatchObject({
      client_id: 'c1',
      page_views: 3,
      events: 4,
      entry_page: '/',
      exit_page: '/signup',
      duration: 150,
      bounce: false,
      referrer_domain: 'google.com',
    });
    const p1 = await q.sessions(deps, site, parse(q.pagedQuery, { ...RANGE, limit: '4' }));
    const p2 = await q.sessions(
      deps,
      site,
      parse(q.pagedQuery, { ...RANGE, limit: '4', cursor: p1.next_cursor! }),
    );
    expect([...p1.items, ...p2.items].map((s) => s.session_id)).toEqual(r.items.map((s) => s.session_id));
    expect(p2.next_cursor).toBeNull();
    const one = await q.sessionEvents(deps, site, 'S7', 50);
    expect(one!.items.map((e) => e.event_name)).toEqual(['page_view', 'click', 'page_view']);
    expect(await q.sessionEvents(deps, site, 'BS1', 50)).toBeNull(); // another agency's session
  });

  test('companies and one company over time', async () => {
    const r = await q.companies(deps, site, parse(q.companiesQuery, { ...RANGE, sort: 'events' }));
    expect(r.items.map((c) => [c.name, c.visitors, c.sessions, c.page_views, c.events])).toEqual([
      ['Globex', 1, 1, 2, 3],
      ['Acme Corp', 1, 1, 2, 2],
    ]);
    const acme = await q.company(deps, site, 'acme.example', parse(q.companyQuery, RANGE));
    expect(acme!.company).toMatchObject({ name: 'Acme Corp', employee_count: '1000-4999' });
    expect(acme!.totals).toMatchObject({ visitors: 1, sessions: 1, page_views: 2 });
    expect(acme!.items.find((b) => b.bucket === '2026-01-16T00:00:00')).toMatchObject({ page_views: 2 });
    expect(await q.company(deps, site, 'nobody.example', parse(q.companyQuery, RANGE))).toBeNull();
  });

  test("one company's facts: the site's agency's own over the neutral ones, never another agency's (issue #13)", async () => {
    const { rows } = await db.pool.query<{ script_id: string; agency_id: string }>(
      'SELECT script_id, agency_id FROM sites WHERE script_id = ANY($1)',
      [[SITE_A, SITE_B]],
    );
    const agencyOf = (s: string) => rows.find((r) => r.script_id === s)!.agency_id;
    const client = await db.pool.connect();
    try {
      await client.query('BEGIN');
      await client.query(
        `INSERT INTO agency_companies (agency_id, domain, name, industry, employee_count, revenue, origin) VALUES
           ($1, 'acme.example', 'Acme (our key account)', NULL, NULL, '$12M', 'import'),
           ($2, 'acme.example', 'ACME Confidential', 'Defense', '10000+', '$9.9B', 'import')`,
        [agencyOf(SITE_A), agencyOf(SITE_B)],
      );
      const scoped = { ...deps, pool: client };
      const companyAs = (agencyId: string) =>
        q.company(scoped, { ...site, agencyId }, 'acme.example', parse(q.companyQuery, RANGE));
      const own = await companyAs(agencyOf(SITE_A));
      expect(own!.company).toEqual({
        name: 'Acme (our key account)',
        domain: 'acme.example',
        industry: 'Manufacturing',
        employee_count: '1000-4999',
        revenue: '$12M',
      });
      // The same site asked as if by an agency with no facts of its own: neutral facts only.
      const neutral = await companyAs('00000000-0000-4000-8000-000000000000');
      expect(neutral!.company).toEqual({
        name: 'Acme Corp',
        domain: 'acme.example',
        industry: 'Manufacturing',
        employee_count: '1000-4999',
        revenue: null,
      });
    } finally {
      await client.query('ROLLBACK');
      client.release();
    }
  });

  test('CSV export streams a breakdown and raw events', async () => {
    const collect = async (what: q.DimensionName | 'events', query: Record<string, string>) => {
      let out = '';
      for await (const chunk of q.csvChunks(
        db.pool,
        q.exportStatement(site, what, parse(q.exportQuery, query), 'admin'),
        { batch: 2 },
      ))
        out += chunk;
      return out.trimEnd().split('\r\n');
    };
    const cities = await collect('cities', RANGE);
    expect(cities[0]).toBe('value,visitors,sessions,page_views,events');
    expect(cities.slice(1)).toContain('New York,2,3,6,8');
    const raw = await collect('events', RANGE);
    expect(raw.length - 1).toBe(select(SITE_A, '2026-01-10', '2026-01-16', TZ_A).length);
    expect(raw[0]!.split(',')).toContain('server_timestamp');
    expect(neutralizeFormulas('=HYPERLINK("x")')).toBe(`'=HYPERLINK("x")`);
  });
});

describe('bad input', () => {
  test.each([
    [{ from: '2026-13-01' }],
    [{ from: '2026-01-10', to: '2026-01-01' }],
    [{ tz: "UTC'; DROP TABLE events; --" }],
    [{ contry: 'US' }],
    [{ from: '2026-01-10', to: '2026-01-11T00:00:00Z' }],
    [{ from: '2020-01-01', to: '2026-01-01' }],
  ])('%j is refused', async (query) => {
    await expect(
      (async () => q.overview(deps, site, parse(q.statsQuery, query as Record<string, string>)))(),
    ).rejects.toThrow();
  });
  test("PostgreSQL's statement timeout becomes a 503, a date it refuses a 400", async () => {
    const c = await db.pool.connect();
    try {
      await c.query("SET statement_timeout = '10ms'");
      const timeout = await c.query('SELECT pg_sleep(1)').catch((e: unknown) => e);
      expect(q.inputErrorOf(timeout)).toMatchObject({ status: 503, code: 'query_timeout' });
      await c.query('RESET statement_timeout');
      const badTz = await c.query(`SELECT now() AT TIME ZONE 'Nowhere/Atlantis'`).catch((e: unknown) => e);
      expect(q.inputErrorOf(badTz)).toMatchObject({ status: 400, code: 'invalid_query' });
      const other = new Error('boom');
      expect(q.inputErrorOf(other)).toBe(other);
    } finally {
      c.release();
    }
  });
  test('a forged cursor is a 400', async () => {
    await expect(
      q.breakdown(deps, site, 'pages', parse(q.breakdownQuery, { ...RANGE, cursor: 'bm9wZQ' })),
    ).rejects.toMatchObject({ status: 400 });
    const forged = Buffer.from(JSON.stringify({ t: "x' OR 1=1", k: 'y' })).toString('base64url');
    await expect(
      q.recentEvents(deps, site, parse(q.pagedQuery, { ...RANGE, cursor: forged })),
    ).rejects.toMatchObject({ status: 400 });
  });
});
