import { readFileSync } from 'node:fs';
import { ensurePartitions } from '@beacon/db';
import { createTestDatabase, type TestDatabase } from '@beacon/testkit';

/**
 * EXPLAIN of the seed's five sample queries (read from SEED.md, not retyped) on generated data: each
 * must reach one site's rows of the range through an index, never a sequential scan of a partition.
 * docs/query-plans.md shows the plans this test guards.
 */
const seedText = readFileSync(new URL('./fixtures/SEED.md', import.meta.url), 'utf8');
const samplesText = seedText.slice(
  seedText.indexOf('## Sample Queries'),
  seedText.indexOf('## Performance Considerations'),
);
const samples = [...samplesText.matchAll(/### (.+)\n```sql\n([\s\S]+?)```/g)].map((m) => ({
  title: m[1]!,
  sql: m[2]!.replace(/'abc123def456'/g, "'site07'"),
}));

interface PlanNode {
  'Node Type': string;
  'Relation Name'?: string;
  'Index Name'?: string;
  Plans?: PlanNode[];
}

function nodes(plan: PlanNode): PlanNode[] {
  return [plan, ...(plan.Plans ?? []).flatMap(nodes)];
}

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase();
  await ensurePartitions(db.pool, { monthsAhead: 1, now: new Date(Date.now() - 62 * 86_400_000) });
  // 120,000 events over 60 days for 40 sites, 30% business visitors, half referred, a quarter on a campaign.
  await db.pool.query(`
    INSERT INTO events (id, site_id, event_name, server_timestamp, client_id, session_id, visitor_type,
                        company_name, company_domain, company_industry, referrer_domain, utm_source, utm_medium,
                        utm_campaign, time_on_page, engagement_score, country)
    SELECT gen_random_uuid(), 'site' || lpad((i % 40)::text, 2, '0'), 'page_view',
           now() - ((i * 43) % 86400) * interval '1 minute',
           'c' || (i % 9000), 's' || (i / 4), CASE WHEN i % 10 < 3 THEN 'business' ELSE 'consumer' END,
           CASE WHEN i % 10 < 3 THEN 'Company ' || (i % 50) END, CASE WHEN i % 10 < 3 THEN 'c' || (i % 50) || '.example' END,
           CASE WHEN i % 10 < 3 THEN 'Software' END,
           CASE WHEN i % 2 = 0 THEN 'ref' || (i % 30) || '.example' END,
           CASE WHEN i % 4 = 0 THEN 'google' END, CASE WHEN i % 4 = 0 THEN 'cpc' END,
           CASE WHEN i % 4 = 0 THEN 'campaign' || (i % 7) END,
           i % 300, (i % 10000) / 100.0, 'US'
    FROM generate_series(1, 120000) i`);
  await db.pool.query('ANALYZE events');
}, 120_000);
afterAll(async () => {
  await db.drop();
});

describe('plans of the seed sample queries', () => {
  it('finds the five sample queries in SEED.md', () => {
    expect(samples.map((s) => s.title)).toEqual([
      'Get all events for a site (last 24 hours)',
      'Get business visitors with company data',
      'Get session analytics',
      'Get top referrers',
      'Get UTM campaign performance',
    ]);
  });

  it.each(samples.map((s) => [s.title, s.sql]))(
    '%s: reads the site through an index, no sequential scan',
    async (_title, sql) => {
      const { rows } = await db.pool.query(`EXPLAIN (FORMAT JSON) ${sql}`);
      const all = nodes(rows[0]['QUERY PLAN'][0].Plan as PlanNode);
      const scans = all.filter((n) => n['Relation Name']?.startsWith('events'));
      expect(scans.length).toBeGreaterThan(0);
      // Sequential scans of partitions that hold no rows (months ahead) are the right plan; of ones that do, not.
      const { rows: sizes } = await db.pool.query<{ relname: string; n: number }>(
        "SELECT relname, reltuples::int AS n FROM pg_class WHERE relname LIKE 'events%' AND relkind = 'r'",
      );
      const populated = new Set(sizes.filter((r) => r.n > 0).map((r) => r.relname));
      expect(populated.size).toBeGreaterThanOrEqual(2);
      const seqScans = scans.filter(
        (n) => n['Node Type'] === 'Seq Scan' && populated.has(n['Relation Name']!),
      );
      expect(seqScans.map((n) => n['Relation Name'])).toEqual([]);
      expect(
        all.some((n) =>
          /idx_events_site_time|events_\w*site_id_server_timestamp/.test(n['Index Name'] ?? ''),
        ),
      ).toBe(true);
    },
  );
});
