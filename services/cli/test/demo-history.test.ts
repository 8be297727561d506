import { parseConfig } from '@beacon/config';
import { createLogger } from '@beacon/observability';
import { useTestDatabase } from '@beacon/testkit';
import { ensureDemoData } from '../src/demo/data.js';
import { DEMO_COMPANIES, generateHistory } from '../src/demo/history.js';
import { seedDemoHistory } from '../src/demo/seed.js';

// The demo history through the enricher's real steps (bundled DB-IP data, UA parser, the agency's
// company ranges) and the writer's real store, into a throwaway PostgreSQL database.
const db = useTestDatabase();
const NOW = new Date();
const log = createLogger('demo-test', 'silent');

describe('generateHistory', () => {
  it('is deterministic, weekly in rhythm and never in the future', () => {
    const o = {
      siteId: 's',
      origin: 'http://localhost:8000',
      days: 30,
      sessionsPerDay: 60,
      now: NOW,
      seed: 7,
    };
    const a = generateHistory(o);
    expect(generateHistory(o)).toEqual(a);
    const hits = a.flatMap((r) => r.hits);
    expect(Math.max(...hits.map((h) => Date.parse(h.server_timestamp)))).toBeLessThanOrEqual(NOW.getTime());
    const byWeekday = new Array(7).fill(0);
    for (const h of hits)
      if (h.event_name === 'page_view') byWeekday[new Date(h.server_timestamp).getUTCDay()]++;
    // Saturday and Sunday well under Tuesday and Wednesday.
    expect(byWeekday[6] + byWeekday[0]).toBeLessThan(0.7 * (byWeekday[2] + byWeekday[3]));
  });
});

describe('seedDemoHistory', () => {
  it('writes 30 days of enriched history once; a second run writes nothing', async () => {
    const config = parseConfig({ DATABASE_URL: db.url, LOG_LEVEL: 'silent' });
    const demo = await ensureDemoData(db.pool, { collector: config.collector });
    const opts = {
      agencyId: demo.agency.id,
      siteId: demo.site.script_id,
      origin: 'http://localhost:8000',
      log,
    };
    const first = await seedDemoHistory(db.pool, config, opts);
    expect(first.seeded).toBe(true);
    expect(first.dead).toBe(0);
    expect(first.inserted).toBeGreaterThan(20_000);
    expect(first.inserted + first.dropped).toBe(first.hits);
    // The planner knows the loaded tables at once (reltuples is -1 until a table is analyzed): without
    // that, a breakdown with a conversion goal took 3 s on the fresh demo site (sql/statistics.ts).
    const known = await db.pool.query<{ relname: string; reltuples: number }>(
      `SELECT relname, reltuples FROM pg_class
       WHERE relname IN ('rollup_sessions', 'rollup_names', 'rollup_name_dict') ORDER BY relname`,
    );
    expect(known.rows.map((r) => r.relname)).toEqual(['rollup_name_dict', 'rollup_names', 'rollup_sessions']);
    for (const r of known.rows) expect(r.reltuples).toBeGreaterThan(0);

    const { rows } = await db.pool.query(
      `SELECT count(*)::int AS events,
              count(DISTINCT date_trunc('day', server_timestamp))::int AS days,
              count(DISTINCT country)::int AS countries,
              count(DISTINCT device_type)::int AS devices,
              count(DISTINCT browser)::int AS browsers,
              count(DISTINCT channel)::int AS channels,
              count(DISTINCT utm_campaign)::int AS campaigns,
              count(DISTINCT company_name)::int AS companies,
              count(*) FILTER (WHERE event_name = 'purchase')::int AS purchases,
              count(*) FILTER (WHERE event_name = 'engagement' AND engagement_score IS NOT NULL)::int AS scored,
              count(DISTINCT event_name) FILTER (WHERE event_name NOT IN ('page_view', 'engagement'))::int AS custom
       FROM events WHERE site_id = $1`,
      [demo.site.script_id],
    );
    const r = rows[0];
    expect(r.events).toBe(first.inserted);
    expect(r.days).toBeGreaterThanOrEqual(30);
    expect(r.countries).toBeGreaterThanOrEqual(10);
    expect(r.devices).toBeGreaterThanOrEqual(3);
    expect(r.browsers).toBeGreaterThanOrEqual(4);
    expect(r.channels).toBeGreaterThanOrEqual(5);
    expect(r.campaigns).toBe(3);
    // The agency's five clients, plus organisations the bundled ASN data names (a university, ...).
    expect(r.companies).toBeGreaterThanOrEqual(DEMO_COMPANIES.length);
    const named = await db.pool.query(
      `SELECT DISTINCT company_name FROM events WHERE site_id = $1 AND company_domain = ANY($2)`,
      [demo.site.script_id, DEMO_COMPANIES.map((c) => c.domain)],
    );
    expect(named.rows.map((x) => x.company_name).sort()).toEqual(DEMO_COMPANIES.map((c) => c.name).sort());
    expect(r.purchases).toBeGreaterThan(0);
    expect(r.scored).toBeGreaterThan(0);
    expect(r.custom).toBeGreaterThanOrEqual(7);
    // The writer kept sessions, the agency's own company facts (its ranges named them) and rollups as
    // it does for live traffic.
    const side = await db.pool.query(
      `SELECT (SELECT count(*) FROM sessions WHERE site_id = $1)::int AS sessions,
              (SELECT count(*) FROM agency_companies WHERE agency_id = $3 AND domain = ANY($2))::int AS companies,
              (SELECT sum(page_views)::int FROM rollup_sessions WHERE site_id = $1) AS rolled_views,
              (SELECT count(*)::int FROM events WHERE site_id = $1 AND event_name = 'page_view' AND visitor_type IS DISTINCT FROM 'bot') AS views`,
      [demo.site.script_id, DEMO_COMPANIES.map((c) => c.domain), demo.agency.id],
    );
    expect(side.rows[0].sessions).toBeGreaterThan(4_000);
    expect(side.rows[0].companies).toBe(DEMO_COMPANIES.length);
    expect(side.rows[0].rolled_views).toBe(side.rows[0].views);

    const again = await seedDemoHistory(db.pool, config, opts);
    expect(again).toMatchObject({ seeded: false, inserted: 0 });
    const count = await db.pool.query(`SELECT count(*)::int AS n FROM events`);
    expect(count.rows[0].n).toBe(first.inserted);
  }, 180_000);
});
