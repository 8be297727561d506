import { cp, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { migrate, MIGRATIONS_DIR } from '@beacon/db';
import { useTestDatabase } from '@beacon/testkit';

// Migration 0060 (issue #13) on a database in the state the old writer left: the shared `companies`
// table holding rows that came from agencies' private IP-range imports. Real PostgreSQL: the schema is
// migrated up to 0059, filled, then migrated forward with the real migration files.

const db = useTestDatabase({ migrated: false });
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'beacon-mig-0060-'));
  for (const f of await readdir(MIGRATIONS_DIR))
    if (Number(f.slice(0, 4)) < 60) await cp(join(MIGRATIONS_DIR, f), join(dir, f));
  await migrate(db.url, { dir });
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function agency(name: string): Promise<{ id: string; site: string }> {
  const { rows } = await db.pool.query<{ id: string }>(
    `INSERT INTO agencies (name, api_key) VALUES ($1, 'x') RETURNING id`,
    [name],
  );
  const site = `site_${name.toLowerCase()}`;
  await db.pool.query(
    `INSERT INTO sites (agency_id, name, domain, script_id) VALUES ($1, $2::text, $2::text || '.example', $2::text)`,
    [rows[0]!.id, site],
  );
  return { id: rows[0]!.id, site };
}

test('0060 moves agency-sourced company rows to agency_companies and empties them in companies', async () => {
  const a = await agency('A');
  const b = await agency('B');
  const c = await agency('C');
  const range = (
    agencyId: string,
    start: string,
    name: string,
    domain: string | null,
    extra: string[] = [],
  ) =>
    db.pool.query(
      `INSERT INTO company_ip_ranges (agency_id, range_start, range_end, company_name, company_domain,
                                      company_industry, company_employee_count, company_revenue)
       VALUES ($1, $2::inet, $2::inet, $3, $4, $5, $6, $7)`,
      [agencyId, start, name, domain, extra[0] ?? null, extra[1] ?? null, extra[2] ?? null],
    );
  // B's file: two lines for acme (the first line's name wins, later lines fill gaps).
  await range(b.id, '203.0.113.1', 'ACME Confidential', 'ACME.example', ['Defense']);
  await range(b.id, '203.0.113.2', 'ACME R&D', 'acme.example', ['Research', null, '$9.9B'] as string[]);
  // A and C both have ranges for shared.example; a range without a domain names no company row.
  await range(a.id, '198.51.100.1', 'Shared (A)', 'shared.example', ['Retail']);
  await range(c.id, '198.51.100.2', 'Shared (C)', 'shared.example');
  await range(c.id, '198.51.100.3', 'No Domain Ltd', null, ['Secret']);
  // C imported oldimport.example once and replaced its file since: only its events remember it.
  await db.pool.query(
    `INSERT INTO events (id, site_id, event_name, company_name, company_domain, company_source) VALUES
       (gen_random_uuid(), $1, 'page_view', 'Old Import Co', 'oldimport.example', 'agency_ranges'),
       (gen_random_uuid(), $2, 'page_view', 'Neutral Inc', 'neutral.example', 'maxmind')`,
    [c.site, a.site],
  );
  // What the old writer left in the shared table.
  await db.pool.query(
    `INSERT INTO companies (name, domain, industry, employee_count, revenue, enrichment_data) VALUES
       ('ACME R&D', 'acme.example', 'Research', '10000+', '$9.9B', '{"k": 1}'),
       ('Shared (C)', 'shared.example', 'Retail', '50-99', '$3M', '{}'),
       ('Old Import Co', 'oldimport.example', 'Mining', NULL, '$7M', '{}'),
       ('Neutral Inc', 'neutral.example', 'Software', '100-499', NULL, '{}')`,
  );

  const r = await migrate(db.url);
  expect(r.applied).toContain('0060_agency_companies.sql');

  const { rows: owned } = await db.pool.query(
    `SELECT g.name AS agency, a.domain, a.name, a.industry, a.employee_count, a.revenue, a.origin
     FROM agency_companies a JOIN agencies g ON g.id = a.agency_id ORDER BY g.name, a.domain`,
  );
  expect(owned).toEqual([
    // A's current range; shared.example is claimed by A and C, so the shared row's values go to neither.
    {
      agency: 'A',
      domain: 'shared.example',
      name: 'Shared (A)',
      industry: 'Retail',
      employee_count: null,
      revenue: null,
      origin: 'import',
    },
    // B's ranges (first line with a value per column), gaps filled from the row only B claimed.
    {
      agency: 'B',
      domain: 'acme.example',
      name: 'ACME Confidential',
      industry: 'Defense',
      employee_count: '10000+',
      revenue: '$9.9B',
      origin: 'import',
    },
    // C's events say its ranges named oldimport.example: the row moves to C.
    {
      agency: 'C',
      domain: 'oldimport.example',
      name: 'Old Import Co',
      industry: 'Mining',
      employee_count: null,
      revenue: '$7M',
      origin: 'migration',
    },
    {
      agency: 'C',
      domain: 'shared.example',
      name: 'Shared (C)',
      industry: null,
      employee_count: null,
      revenue: null,
      origin: 'import',
    },
  ]);

  // The shared table keeps the rows (ids, enrichment_data) but none of the agency-sourced facts;
  // a row nobody claims stays as it was.
  const { rows: shared } = await db.pool.query(
    `SELECT domain, name, industry, employee_count, revenue, enrichment_data FROM companies ORDER BY domain`,
  );
  expect(shared).toEqual([
    {
      domain: 'acme.example',
      name: null,
      industry: null,
      employee_count: null,
      revenue: null,
      enrichment_data: { k: 1 },
    },
    {
      domain: 'neutral.example',
      name: 'Neutral Inc',
      industry: 'Software',
      employee_count: '100-499',
      revenue: null,
      enrichment_data: {},
    },
    {
      domain: 'oldimport.example',
      name: null,
      industry: null,
      employee_count: null,
      revenue: null,
      enrichment_data: {},
    },
    {
      domain: 'shared.example',
      name: null,
      industry: null,
      employee_count: null,
      revenue: null,
      enrichment_data: {},
    },
  ]);
  // Nothing that only an agency knew is left in the shared table.
  const { rows: leaks } = await db.pool.query(
    `SELECT domain FROM companies WHERE concat_ws('|', name, industry, employee_count, revenue) ~ '(Defense|9\\.9B|Confidential|Mining|Shared)'`,
  );
  expect(leaks).toEqual([]);
});
