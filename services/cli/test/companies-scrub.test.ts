import { fileURLToPath } from 'node:url';
import { runNode, useTestDatabase } from '@beacon/testkit';

/**
 * `beacon companies scrub-events` (issue #13), run as the built bin against a throwaway migrated
 * database: events that an enricher before migration 0060 completed with another agency's company
 * facts lose those values (and only those), and the rollups of those hours follow.
 */
const BIN = fileURLToPath(new URL('../dist/main.js', import.meta.url));
const db = useTestDatabase();
let agencyA: string;
let agencyB: string;

const beacon = (args: string[]) => runNode(BIN, args, { env: { DATABASE_URL: db.url } });

const T = '2026-02-01 10:00Z';

beforeAll(async () => {
  const { rows } = await db.pool.query<{ id: string }>(
    `INSERT INTO agencies (name, api_key) VALUES ('A', 'x'), ('B', 'y') RETURNING id`,
  );
  [agencyA, agencyB] = [rows[0]!.id, rows[1]!.id];
  await db.pool.query(
    `INSERT INTO sites (agency_id, name, domain, script_id) VALUES
       ($1, 'a', 'a.example', 'site_a'), ($2, 'b', 'b.example', 'site_b')`,
    [agencyA, agencyB],
  );
  // After migration 0060: B's confidential facts in its own row; the neutral row; A's own fact.
  await db.pool.query(
    `INSERT INTO agency_companies (agency_id, domain, name, industry, employee_count, revenue, origin) VALUES
       ($1, 'acme.example', 'ACME Confidential', 'Defense', '10000+', '$9.9B', 'import'),
       ($2, 'acme.example', 'Acme', NULL, '50-99', NULL, 'import')`,
    [agencyB, agencyA],
  );
  await db.pool.query(
    `INSERT INTO companies (name, domain, industry) VALUES ('Acme Corporation', 'acme.example', 'Manufacturing')`,
  );
  const ev = (
    site: string,
    i: number,
    industry: string | null,
    size: string | null,
    revenue: string | null,
  ) =>
    db.pool.query(
      `INSERT INTO events (id, site_id, event_name, server_timestamp, client_id, session_id, visitor_type,
                           company_name, company_domain, company_industry, company_employee_count, company_revenue)
       VALUES (gen_random_uuid(), $1, 'page_view', $2::timestamptz + $3 * interval '1 hour', 'c' || $3, 's' || $3,
               'business', 'Acme', 'acme.example', $4, $5, $6)`,
      [site, T, i, industry, size, revenue],
    );
  await ev('site_a', 0, 'Defense', '10000+', '$9.9B'); // completed from B's import: all three leaked
  await ev('site_a', 1, 'Manufacturing', '50-99', '$9.9B'); // neutral + A's own; only revenue leaked
  await ev('site_a', 2, 'Manufacturing', null, null); // clean
  await ev('site_b', 0, 'Defense', '10000+', '$9.9B'); // B's own facts on B's site: untouched
  const rebuilt = await beacon(['rollups', 'rebuild', '--all']);
  expect(rebuilt.code).toBe(0);
});

const facts = async (site: string) =>
  (
    await db.pool.query(
      `SELECT company_industry AS i, company_employee_count AS e, company_revenue AS r FROM events
       WHERE site_id = $1 ORDER BY server_timestamp`,
      [site],
    )
  ).rows;
const rollupIndustries = async (site: string) =>
  (
    await db.pool.query(
      `SELECT DISTINCT company_industry AS i FROM rollup_sessions WHERE site_id = $1 ORDER BY 1`,
      [site],
    )
  ).rows.map((r) => r.i);

describe('beacon companies scrub-events', () => {
  it('--dry-run reports the events that hold another agency facts and changes nothing', async () => {
    const r = await beacon(['--json', 'companies', 'scrub-events', '--dry-run']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out).toMatchObject({ events: 2, dry_run: true, rollups_rebuilt: [] });
    expect(out.sites.map((s: { site_id: string; events: number }) => [s.site_id, s.events])).toEqual([
      ['site_a', 2],
    ]);
    expect(await rollupIndustries('site_a')).toEqual(['Defense', 'Manufacturing']);
  });

  it("clears only the other agency's values, keeps neutral and own ones, rebuilds the rollups", async () => {
    const r = await beacon(['--json', 'companies', 'scrub-events']);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ events: 2, dry_run: false });
    expect(await facts('site_a')).toEqual([
      { i: null, e: null, r: null },
      { i: 'Manufacturing', e: '50-99', r: null },
      { i: 'Manufacturing', e: null, r: null },
    ]);
    expect(await facts('site_b')).toEqual([{ i: 'Defense', e: '10000+', r: '$9.9B' }]);
    expect(await rollupIndustries('site_a')).toEqual(['Manufacturing', null]);
    expect(await rollupIndustries('site_b')).toEqual(['Defense']);
    const again = await beacon(['--json', 'companies', 'scrub-events']);
    expect(JSON.parse(again.stdout)).toMatchObject({ events: 0, sites: [] });
  });
});
