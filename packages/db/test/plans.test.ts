import { readFileSync } from 'node:fs';
import { ensurePartitions } from '@beacon/db';
import { useTestDatabase } from '@beacon/testkit';

/**
 * EXPLAIN of the seed's five sample queries (read from SEED.md, not retyped) on generated data: each
 * must reach one site's rows of the range through an index led by site_id, never a sequential scan of
 * a partition that holds rows. Statistics are pinned (all rows analysed, no autovacuum), so the plans
 * are the same in every run.
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

const db = useTestDatabase();
/** Index name -> its first column, for every index of the events partitions. */
let leadingColumn: Map<string, string>;
beforeAll(async () => {
  await ensurePartitions(db.pool, { monthsAhead: 1, now: new Date(Date.now() - 62 * 86_400_000) });
  // Pinned statistics: no autovacuum ANALYZE of its own (it samples at random) on the partitions.
  const { rows: parts } = await db.pool.query<{ name: string }>(
    "SELECT c.oid::regclass::text AS name FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = 'events'::regclass",
  );
  for (const p of parts) await db.pool.query(`ALTER TABLE ${p.name} SET (autovacuum_enabled = false)`);
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
  // Statistics from every row, not a random sample (the sample is 300 x the target rows), so the
  // planner sees the same numbers in every run.
  const client = await db.pool.connect();
  try {
    await client.query('SET default_statistics_target = 10000');
    await client.query('ANALYZE events');
  } finally {
    client.release();
  }
  const { rows: idx } = await db.pool.query<{ index: string; col: string }>(`
    SELECT ic.relname AS index, a.attname AS col
    FROM pg_index x JOIN pg_class ic ON ic.oid = x.indexrelid JOIN pg_class t ON t.oid = x.indrelid
    JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = x.indkey[0]
    WHERE t.relname LIKE 'events%'`);
  leadingColumn = new Map(idx.map((r) => [r.index, r.col]));
}, 120_000);

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
      // What Beacon controls is that an index led by site_id exists for the planner to reach the site
      // with: every scan of a partition that holds rows uses one (alone or ANDed with another index).
      // Which one it picks (site_id alone, site + time, site + time for companies) is the planner's call.
      const populatedScans = scans.filter((n) => populated.has(n['Relation Name']!));
      expect(populatedScans.length).toBeGreaterThan(0);
      expect(
        populatedScans.map((n) => [
          n['Relation Name'],
          nodes(n).some((x) => leadingColumn.get(x['Index Name'] ?? '') === 'site_id'),
        ]),
      ).toEqual(populatedScans.map((n) => [n['Relation Name'], true]));
    },
  );
});
