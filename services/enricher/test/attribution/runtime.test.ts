/**
 * startAttribution as the worker runs it: real PostgreSQL (agency ranges, companies), a real company
 * database file that is replaced on disk while running. Nothing faked.
 */
import { copyFileSync, mkdtempSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLogger } from '@beacon/observability';
import { useTestDatabase, waitFor } from '@beacon/testkit';
import { startAttribution, type AttributionRuntime } from '../../src/attribution/runtime.js';
import { mmCrafted, mmTest } from '../fixtures.js';

const db = useTestDatabase();
let dir: string;
let runtime: AttributionRuntime | null = null;
const logger = createLogger('enricher-test', 'silent');

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'beacon-attr-'));
});
afterEach(() => {
  runtime?.close();
  runtime = null;
});
afterAll(async () => {
  rmSync(dir, { recursive: true, force: true });
});

describe('startAttribution', () => {
  it('serves the company database and picks up a replaced file without a restart', async () => {
    const path = join(dir, 'company.mmdb');
    copyFileSync(mmCrafted('Beacon-Company-Test.mmdb'), path);
    runtime = await startAttribution(
      { companyMmdbPath: path, companyRangesReloadSeconds: 3600, companyCacheTtlSeconds: 60 },
      db.pool,
      logger,
      undefined,
      { watchIntervalMs: 20 },
    );
    expect(runtime.status().companyDb).toMatchObject({
      state: 'loaded',
      info: { databaseType: 'Beacon-Company' },
    });
    expect(runtime.deps.companyDb!.lookup('192.0.2.1')?.company.name).toBe('Acme Corporation');
    expect(runtime.deps.companyDb!.lookup('81.2.69.160')).toBeNull();

    // Replace the file the way geoipupdate does (write aside, rename over).
    copyFileSync(mmTest('GeoIP2-Enterprise-Test.mmdb'), join(dir, 'next.mmdb'));
    renameSync(join(dir, 'next.mmdb'), path);
    await waitFor('the reload', () => runtime!.deps.companyDb!.lookup('81.2.69.160') !== null, {
      timeoutMs: 5_000,
      intervalMs: 25,
    });
    expect(runtime.deps.companyDb!.lookup('81.2.69.160')).toMatchObject({
      layout: 'enterprise',
      userType: 'government',
    });
    expect(runtime.deps.companyDb!.lookup('192.0.2.1')).toBeNull();
  });

  it('a missing company database leaves the source out and says so', async () => {
    runtime = await startAttribution(
      {
        companyMmdbPath: join(dir, 'nope.mmdb'),
        companyRangesReloadSeconds: 3600,
        companyCacheTtlSeconds: 60,
      },
      db.pool,
      logger,
    );
    expect(runtime.status().companyDb.state).toBe('missing');
    expect(runtime.deps.companyDb!.lookup('192.0.2.1')).toBeNull();
  });

  it('without COMPANY_MMDB_PATH: no company database; completeJob lists the firms and fills from companies', async () => {
    await db.pool.query(
      `INSERT INTO companies (name, domain, industry, revenue) VALUES ('Acme', 'acme.example', 'Manufacturing', '$1B')`,
    );
    runtime = await startAttribution(
      { companyMmdbPath: '', companyRangesReloadSeconds: 3600, companyCacheTtlSeconds: 60 },
      db.pool,
      logger,
    );
    expect(runtime.deps.companyDb).toBeNull();
    expect(runtime.status()).toEqual({
      agencyRangeAgencies: 0,
      companyDb: { name: 'company_db', path: null, state: 'not_configured' },
    });
    const rows = [
      {
        company_name: 'Acme Corporation',
        company_domain: 'acme.example',
        company_industry: null,
        company_revenue: null,
      },
    ];
    // The list carries what the source said (the writer keeps known values), the row is completed.
    expect(await runtime.completeJob(rows)).toEqual([
      {
        domain: 'acme.example',
        name: 'Acme Corporation',
        industry: null,
        employee_count: null,
        revenue: null,
      },
    ]);
    expect(rows[0]).toMatchObject({ company_industry: 'Manufacturing', company_revenue: '$1B' });
  });
});
