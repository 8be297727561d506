/**
 * `beacon companies import` through the real CLI (the built services/cli/dist/main.js, run as a child
 * process) against a real throwaway PostgreSQL database, then the enricher's AgencyRangeStore and
 * CompanyDirectory reading what it wrote. Real: PostgreSQL, the CLI, csv-parse. Fake: nothing.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { createTestDatabase, type TestDatabase } from '@beacon/testkit';
import { CompanyDirectory, companiesOfRows } from '../../src/attribution/companies-directory.js';
import { AgencyRangeStore } from '../../src/attribution/company-ranges.js';

const run = promisify(execFile);
const CLI = fileURLToPath(new URL('../../../../services/cli/dist/main.js', import.meta.url));

let db: TestDatabase;
let dir: string;
let agencyA: string;
let agencyB: string;

async function beacon(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const r = await run(process.execPath, [CLI, ...args], {
      env: { PATH: process.env.PATH, DATABASE_URL: db.url, LOG_LEVEL: 'silent' },
      cwd: dir, // no .env here
    });
    return { code: 0, stdout: r.stdout, stderr: r.stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

function csv(name: string, text: string): string {
  const file = join(dir, name);
  writeFileSync(file, text);
  return file;
}

/** `beacon [--json] companies import --agency <agency> [flags] <file>`. */
function importCompanies(agency: string, file: string, opts: { json?: boolean; flags?: string[] } = {}) {
  const json = opts.json ? ['--json'] : [];
  return beacon([...json, 'companies', 'import', '--agency', agency, ...(opts.flags ?? []), file]);
}

/** A new agency "Agency <letter>" (email <letter>@agency.test): its id. */
async function insertAgency(letter: string): Promise<string> {
  const l = letter.toLowerCase();
  const { rows } = await db.pool.query(
    `INSERT INTO agencies (name, email, api_key, api_key_prefix) VALUES ($1, $2, 'x', $3) RETURNING id`,
    [`Agency ${letter}`, `${l}@agency.test`, `bk_${l.repeat(8)}`],
  );
  return rows[0].id as string;
}

/** The agency of a row by its site_id, as the enricher's callers answer it. */
const agencyOfSites = (bySite: Record<string, string>) => (r: { site_id?: unknown }) =>
  bySite[String(r.site_id)];

beforeAll(async () => {
  db = await createTestDatabase();
  dir = mkdtempSync(join(tmpdir(), 'beacon-companies-'));
  agencyA = await insertAgency('A');
  agencyB = await insertAgency('B');
});

afterAll(async () => {
  await db.drop();
  rmSync(dir, { recursive: true, force: true });
});

const GOOD = `range,company_name,domain,industry,employee_count,revenue
# Stark head office and a floor of it
10.0.0.0/8,Stark Industries,www.stark.example,Defense,10000+,$10B+
10.1.2.128/28,Stark R&D,stark.example,Research,,
"198.51.100.10 - 198.51.100.99","Wayne Enterprises, Inc.",wayne.example,Conglomerate,5000-9999,
2001:db8:1::/48,Acme IPv6,acme.example,,,
203.0.113.7,Single Host Ltd,,,,
`;

describe('beacon companies import', () => {
  it('imports CIDR, start-end and single-address lines (by agency email)', async () => {
    const r = await importCompanies('A@agency.test', csv('good.csv', GOOD), { json: true });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({
      agency_id: agencyA,
      imported: 5,
      replaced: 0,
      total: 5,
      invalid: [],
    });
    const { rows } = await db.pool.query(
      `SELECT host(range_start) s, host(range_end) e, company_name, company_domain FROM company_ip_ranges WHERE agency_id = $1 ORDER BY range_start`,
      [agencyA],
    );
    expect(rows).toEqual([
      {
        s: '10.0.0.0',
        e: '10.255.255.255',
        company_name: 'Stark Industries',
        company_domain: 'stark.example',
      },
      { s: '10.1.2.128', e: '10.1.2.143', company_name: 'Stark R&D', company_domain: 'stark.example' },
      {
        s: '198.51.100.10',
        e: '198.51.100.99',
        company_name: 'Wayne Enterprises, Inc.',
        company_domain: 'wayne.example',
      },
      { s: '203.0.113.7', e: '203.0.113.7', company_name: 'Single Host Ltd', company_domain: null },
      {
        s: '2001:db8:1::',
        e: '2001:db8:1:ffff:ffff:ffff:ffff:ffff',
        company_name: 'Acme IPv6',
        company_domain: 'acme.example',
      },
    ]);
    // The file's facts per domain are the agency's own (first line with a value wins per column):
    // agency_companies, never the shared companies table (issue #13).
    const { rows: facts } = await db.pool.query(
      `SELECT domain, name, industry, employee_count, revenue, origin FROM agency_companies WHERE agency_id = $1 ORDER BY domain`,
      [agencyA],
    );
    expect(facts).toEqual([
      {
        domain: 'acme.example',
        name: 'Acme IPv6',
        industry: null,
        employee_count: null,
        revenue: null,
        origin: 'import',
      },
      {
        domain: 'stark.example',
        name: 'Stark Industries',
        industry: 'Defense',
        employee_count: '10000+',
        revenue: '$10B+',
        origin: 'import',
      },
      {
        domain: 'wayne.example',
        name: 'Wayne Enterprises, Inc.',
        industry: 'Conglomerate',
        employee_count: '5000-9999',
        revenue: null,
        origin: 'import',
      },
    ]);
    expect((await db.pool.query('SELECT count(*)::int AS n FROM companies')).rows[0].n).toBe(0);
  });

  const BAD = `range_start,range_end,name,domain
10.0.0.1,10.0.0.9,Fine Co,fine.example
10.0.0.9,10.0.0.1,Backwards Co,
10.0.0.1,::1,Mixed Co,
10.0.1.0,10.0.1.255,,no-name.example
10.0.2.0,10.0.2.255,Bad Domain Co,not a domain
10.0.3.0,10.0.3.255,Too Many,x.example,extra
`;

  it('reports every bad line with its line number and imports nothing', async () => {
    const r = await importCompanies(agencyB, csv('bad.csv', BAD));
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('5 bad line(s)');
    expect(r.stderr).toMatch(/line 3: .*start is after end/);
    expect(r.stderr).toMatch(/line 4: .*different IP versions/);
    expect(r.stderr).toMatch(/line 5: company name is empty/);
    expect(r.stderr).toMatch(/line 6: domain "not a domain" is not a domain name/);
    expect(r.stderr).toMatch(/line 7: 5 fields, the header has 4/);
    expect(r.stderr).toMatch(/nothing imported/);
    expect(r.stderr).not.toMatch(/line 2:/);
    const { rows } = await db.pool.query(
      `SELECT count(*)::int n FROM company_ip_ranges WHERE agency_id = $1`,
      [agencyB],
    );
    expect(rows[0].n).toBe(0);
  });

  it('--skip-invalid imports the good lines and still reports the bad ones', async () => {
    const r = await importCompanies(agencyB, csv('bad2.csv', BAD), { json: true, flags: ['--skip-invalid'] });
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out).toMatchObject({ imported: 1, total: 1 });
    expect(out.invalid.map((p: { line: number }) => p.line)).toEqual([3, 4, 5, 6, 7]);
  });

  it('refuses a file without the needed columns, an unknown agency and a missing file', async () => {
    const noCols = await importCompanies(agencyB, csv('cols.csv', 'ip,who\n1.2.3.4,x\n'));
    expect(noCols.code).toBe(1);
    expect(noCols.stderr).toMatch(/line 1: the header needs a "range"/);
    const noAgency = await importCompanies('nobody@agency.test', csv('g2.csv', GOOD));
    expect(noAgency.code).toBe(1);
    expect(noAgency.stderr).toMatch(/no agency with id or email/);
    const noFile = await importCompanies(agencyB, join(dir, 'missing.csv'));
    expect(noFile.code).toBe(1);
    expect(noFile.stderr).toMatch(/cannot read/);
  });
});

describe('AgencyRangeStore reads the imported ranges and follows changes', () => {
  let store: AgencyRangeStore;
  const loads: { agencyId: string; ranges: number }[] = [];
  beforeAll(async () => {
    store = new AgencyRangeStore(db.pool, { reloadMs: 0, onLoad: (i) => loads.push(i) });
    await store.start();
  });
  afterAll(() => store.close());

  it('looks up the narrowest range per agency, on IPv4 and IPv6, walled per agency', () => {
    expect(store.lookup(agencyA, '10.200.0.1')?.name).toBe('Stark Industries');
    expect(store.lookup(agencyA, '10.1.2.130')?.name).toBe('Stark R&D');
    expect(store.lookup(agencyA, '10.1.2.144')?.name).toBe('Stark Industries');
    expect(store.lookup(agencyA, '198.51.100.10')).toMatchObject({
      name: 'Wayne Enterprises, Inc.',
      employeeCount: '5000-9999',
    });
    expect(store.lookup(agencyA, '198.51.100.100')).toBeNull();
    expect(store.lookup(agencyA, '2001:db8:1:ffff::1')?.name).toBe('Acme IPv6');
    expect(store.lookup(agencyA, '2001:db8:2::1')).toBeNull();
    expect(store.lookup(agencyA, '::ffff:203.0.113.7')?.name).toBe('Single Host Ltd');
    expect(store.lookup(agencyA, null)).toBeNull();
    // Agency B only has Fine Co.
    expect(store.lookup(agencyB, '10.200.0.1')).toBeNull();
    expect(store.lookup(agencyB, '10.0.0.5')?.name).toBe('Fine Co');
    expect(store.lookup('00000000-0000-0000-0000-000000000000', '10.0.0.5')).toBeNull();
  });

  it('a re-import replaces the ranges; one poll reloads only that agency', async () => {
    const r = await importCompanies(agencyA, csv('new.csv', 'cidr,name\n10.0.0.0/16,Oscorp\n'), {
      json: true,
    });
    expect(JSON.parse(r.stdout)).toMatchObject({ imported: 1, replaced: 5, total: 1 });
    // The replaced file named no domain: the agency's facts went with its ranges.
    expect(
      (await db.pool.query('SELECT count(*)::int AS n FROM agency_companies WHERE agency_id = $1', [agencyA]))
        .rows[0].n,
    ).toBe(0);
    expect(store.lookup(agencyA, '10.0.0.1')?.name).toBe('Stark Industries'); // not polled yet
    loads.length = 0;
    await store.refresh();
    expect(loads.map((l) => l.agencyId)).toEqual([agencyA]);
    expect(store.lookup(agencyA, '10.0.0.1')?.name).toBe('Oscorp');
    expect(store.lookup(agencyA, '10.1.2.130')).toBeNull();
    loads.length = 0;
    await store.refresh();
    expect(loads).toEqual([]); // nothing changed: nothing reloaded
  });

  it('--append adds; a deleted agency is forgotten', async () => {
    const append = { flags: ['--append'] };
    await importCompanies(
      agencyA,
      csv('more.csv', 'range,name,domain,revenue\n172.16.0.0/12,Umbrella,umbrella.example,$1M\n'),
      append,
    );
    await importCompanies(
      agencyA,
      csv('more2.csv', 'range,name,domain,industry\n172.31.0.0/16,Umbrella Labs,umbrella.example,Biotech\n'),
      append,
    );
    // --append updates the agency's facts: a value of the file replaces, an empty cell keeps.
    const { rows: facts } = await db.pool.query(
      `SELECT name, industry, revenue FROM agency_companies WHERE agency_id = $1 AND domain = 'umbrella.example'`,
      [agencyA],
    );
    expect(facts).toEqual([{ name: 'Umbrella Labs', industry: 'Biotech', revenue: '$1M' }]);
    await store.refresh();
    expect(store.lookup(agencyA, '10.0.0.1')?.name).toBe('Oscorp');
    expect(store.lookup(agencyA, '172.16.5.5')?.name).toBe('Umbrella');
    await db.pool.query('DELETE FROM agencies WHERE id = $1', [agencyB]);
    await store.refresh();
    expect(store.lookup(agencyB, '10.0.0.5')).toBeNull();
    expect(store.agencies).toBe(1);
  });
});

describe("CompanyDirectory keeps an agency's facts to that agency's rows (issue #13)", () => {
  it('completes each row from its own agency over the neutral table, never from another agency', async () => {
    const agencyC = await insertAgency('C');
    const agencyD = await insertAgency('D');
    await db.pool.query(
      `INSERT INTO companies (name, domain, industry) VALUES ('Acme', 'acme2.example', 'Manufacturing')`,
    );
    await db.pool.query(
      `INSERT INTO agency_companies (agency_id, domain, name, industry, employee_count, revenue, origin)
       VALUES ($1, 'acme2.example', 'Acme Secret', 'Defense', '10000+', '$9B', 'import')`,
      [agencyD],
    );
    const agencyOf = agencyOfSites({ site_c: agencyC, site_d: agencyD });
    const row = (site: string | null, source: string, industry: string | null) => ({
      site_id: site,
      company_name: 'Acme (source)',
      company_domain: 'acme2.example',
      company_industry: industry,
      company_employee_count: null as string | null,
      company_revenue: null as string | null,
      company_source: source,
    });
    const rows = [
      row('site_c', 'maxmind', null), // C: neutral facts only
      row('site_d', 'maxmind', 'Software'), // D, neutral source: D's facts win
      row('site_d', 'agency_ranges', 'Research'), // D's own range: its values stay, gaps from D
      row('site_x', 'maxmind', null), // unknown site: neutral only
    ];
    const listed = companiesOfRows(rows, agencyOf);
    const dir = new CompanyDirectory(db.pool, { ttlMs: 60_000 });
    expect(await dir.complete(rows, agencyOf)).toBe(4);
    expect(rows.map((r) => [r.company_industry, r.company_employee_count, r.company_revenue])).toEqual([
      ['Manufacturing', null, null],
      ['Defense', '10000+', '$9B'],
      ['Research', '10000+', '$9B'],
      ['Manufacturing', null, null],
    ]);
    expect(rows.every((r) => r.company_name === 'Acme (source)')).toBe(true);
    // For the writer: the neutral entry carries the source's values; D's range facts are owned by D.
    expect(listed).toEqual([
      { domain: 'acme2.example', name: 'Acme (source)', industry: null, employee_count: null, revenue: null },
      {
        domain: 'acme2.example',
        name: 'Acme (source)',
        industry: 'Research',
        employee_count: null,
        revenue: null,
        agency_id: agencyD,
      },
    ]);
    // An agency-sourced row of an unknown agency lists nothing.
    expect(companiesOfRows([row('site_x', 'agency_ranges', 'X')], agencyOf)).toEqual([]);

    // forgetAgency drops D's cached facts only (its ranges reloaded).
    await db.pool.query(`UPDATE agency_companies SET revenue = '$10B' WHERE agency_id = $1`, [agencyD]);
    const again = () => [row('site_c', 'maxmind', null), row('site_d', 'maxmind', null)];
    const cached = again();
    await dir.complete(cached, agencyOf);
    expect(cached[1]!.company_revenue).toBe('$9B');
    dir.forgetAgency(agencyD);
    const fresh = again();
    await dir.complete(fresh, agencyOf);
    expect(fresh.map((r) => r.company_revenue)).toEqual([null, '$10B']);
  });
});

describe('CompanyDirectory completes rows from the companies table', () => {
  it('fills only the columns the source left empty, caches hits and absences', async () => {
    await db.pool.query(
      `INSERT INTO companies (name, domain, industry, employee_count, revenue) VALUES ('Stark', 'stark.example', 'Aerospace', '10000+', '$20B')`,
    );
    const seen: string[] = [];
    const dir = new CompanyDirectory(db.pool, { ttlMs: 60_000, onCache: (r) => seen.push(r) });
    const rows = [
      {
        company_name: 'Stark R&D',
        company_domain: 'stark.example',
        company_industry: 'Research',
        company_employee_count: null,
        company_revenue: null,
      },
      {
        company_name: 'Nobody',
        company_domain: 'absent.example',
        company_industry: null,
        company_employee_count: null,
        company_revenue: null,
      },
      {
        company_name: 'ASN Co',
        company_domain: null,
        company_industry: null,
        company_employee_count: null,
        company_revenue: null,
      },
    ];
    expect(await dir.complete(rows)).toBe(1);
    expect(rows[0]).toMatchObject({
      company_industry: 'Research',
      company_employee_count: '10000+',
      company_revenue: '$20B',
    });
    expect(rows[1]).toMatchObject({ company_industry: null, company_revenue: null });
    expect(seen).toEqual(['miss', 'miss']);
    await db.pool.query(`UPDATE companies SET revenue = '$30B' WHERE domain = 'stark.example'`);
    const again = [
      { company_domain: 'stark.example', company_revenue: null },
      { company_domain: 'absent.example' },
    ];
    await dir.complete(again);
    expect(seen).toEqual(['miss', 'miss', 'hit', 'hit']);
    expect(again[0]!.company_revenue).toBe('$20B'); // cached within the TTL
    expect(companiesOfRows(rows)).toEqual([
      {
        domain: 'stark.example',
        name: 'Stark R&D',
        industry: 'Research',
        employee_count: '10000+',
        revenue: '$20B',
      },
      { domain: 'absent.example', name: 'Nobody', industry: null, employee_count: null, revenue: null },
    ]);
  });
});

describe("an agency's 'not a company' override (issue #16, migration 0120)", () => {
  it("clears the company of that agency's hits only, and makes business visitors consumers", async () => {
    const agencyE = await insertAgency('E');
    const agencyF = await insertAgency('F');
    await db.pool.query(
      `INSERT INTO agency_company_overrides (agency_id, domain, not_company) VALUES ($1, 'aaisp.example', TRUE)`,
      [agencyE],
    );
    await db.pool.query(
      `INSERT INTO agency_company_overrides (agency_id, domain, industry, employee_count) VALUES ($1, 'globex3.example', 'Software', '50-99')`,
      [agencyE],
    );
    const agencyOf = agencyOfSites({ site_e: agencyE, site_f: agencyF });
    const row = (site: string, domain: string, visitorType: string) => ({
      site_id: site,
      company_name: 'Andrews & Arnold Ltd',
      company_domain: domain,
      company_industry: null as string | null,
      company_employee_count: null as string | null,
      company_revenue: null as string | null,
      company_confidence: 0.5 as number | null,
      company_source: 'asn' as string | null,
      visitor_type: visitorType,
    });
    const rows = [
      row('site_e', 'aaisp.example', 'business'), // E says: an ISP
      row('site_e', 'aaisp.example', 'privacy_user'), // a VPN hit stays privacy_user
      row('site_f', 'aaisp.example', 'business'), // F's view is F's
      row('site_e', 'globex3.example', 'business'), // E's industry / size override
    ];
    const dir = new CompanyDirectory(db.pool, { ttlMs: 60_000 });
    await dir.complete(rows, agencyOf);
    expect(rows.map((r) => [r.company_name, r.company_domain, r.company_source, r.visitor_type])).toEqual([
      [null, null, null, 'consumer'],
      [null, null, null, 'privacy_user'],
      ['Andrews & Arnold Ltd', 'aaisp.example', 'asn', 'business'],
      ['Andrews & Arnold Ltd', 'globex3.example', 'asn', 'business'],
    ]);
    expect(rows[0]!.company_confidence).toBeNull();
    expect([rows[3]!.company_industry, rows[3]!.company_employee_count]).toEqual(['Software', '50-99']);
  });
});
