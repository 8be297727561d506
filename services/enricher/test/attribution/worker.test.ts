/**
 * Company identification and attribution through the running enricher: ranges imported with the real
 * `beacon companies import`, the crafted company/ASN/anonymous-IP databases, raw jobs into `hits`,
 * rows out of `events`. Real: PostgreSQL, Redis, BullMQ, the CLI. Nothing mocked.
 */
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { enrichedJobRows, enrichedJobSchema, type RawJob } from '@beacon/schema';
import { CHROME, mmCrafted, seedSites, useEnricherOnQueues } from '../fixtures.js';

const CLI = fileURLToPath(new URL('../../../../services/cli/dist/main.js', import.meta.url));

let dir: string;
let agencyId: string;
let otherAgency: string;

const w = useEnricherOnQueues('attr', {
  env: {
    GEOIP_ANONYMOUS_IP_DB: mmCrafted('Beacon-Anonymous-IP-Test.mmdb'),
    COMPANY_MMDB_PATH: mmCrafted('Beacon-Company-Test.mmdb'),
  },
  prepare: async (db) => {
    dir = mkdtempSync(join(tmpdir(), 'beacon-attr-worker-'));
    agencyId = await seedSites(
      db.pool,
      [
        ['shop', 'shop.example', 'site_shop', { bot_policy: 'keep' }],
        ['quiet', 'quiet.example', 'site_quiet', { cookieless: true }],
      ],
      { name: 'Agency', email: 'ops@agency.test' },
    );
    await db.pool.query(
      `INSERT INTO companies (name, domain, industry, employee_count, revenue) VALUES ('Acme', 'acme.example', 'Manufacturing', '1000-4999', '$2B')`,
    );
    // The agency knows 198.51.100.0/26 better than the company database (which says Globex GmbH).
    writeFileSync(
      join(dir, 'ranges.csv'),
      'range,company_name,domain,industry\n198.51.100.0/26,Client Co,client.example,Retail\n',
    );
    await promisify(execFile)(
      process.execPath,
      [CLI, 'companies', 'import', '--agency', 'ops@agency.test', join(dir, 'ranges.csv')],
      { env: { PATH: process.env.PATH, DATABASE_URL: db.url, LOG_LEVEL: 'silent' }, cwd: dir },
    );
    // Another agency knows the company database's Acme network under its own, confidential facts
    // (issue #13): they are for its sites only, never for the first agency's.
    otherAgency = await seedSites(db.pool, [['other', 'other.example', 'site_other']], {
      name: 'Other',
      email: 'ops@other.test',
    });
    writeFileSync(
      join(dir, 'other.csv'),
      'range,company_name,domain,industry,employee_count,revenue\n' +
        '192.0.2.0/24,Acme Confidential Holdings,acme.example,Defense,10000+,$9.9B (confidential)\n',
    );
    await promisify(execFile)(
      process.execPath,
      [CLI, 'companies', 'import', '--agency', 'ops@other.test', join(dir, 'other.csv')],
      { env: { PATH: process.env.PATH, DATABASE_URL: db.url, LOG_LEVEL: 'silent' }, cwd: dir },
    );
  },
});

afterAll(() => dir && rmSync(dir, { recursive: true, force: true }));

function request(site: string, ip: string, hit: Record<string, unknown>): RawJob['requests'][0] {
  return {
    site_id: site,
    ip,
    user_agent: CHROME,
    client_hints: {},
    origin: null,
    hits: [
      { id: randomUUID(), server_timestamp: new Date().toISOString(), event_name: 'page_view', ...hit },
    ] as RawJob['requests'][0]['hits'],
  };
}

async function run(
  requests: RawJob['requests'],
): Promise<{ rows: Record<string, unknown>[]; companies: unknown[] }> {
  const jobId = randomUUID();
  await w.hits.add('raw', { type: 'raw', v: 1, requests } satisfies RawJob, { jobId });
  const deadline = Date.now() + 15_000;
  for (;;) {
    const j = await w.events.getJob(jobId);
    if (j)
      return { rows: enrichedJobRows(enrichedJobSchema.parse(j.data)), companies: j.data.companies ?? [] };
    const raw = await w.hits.getJob(jobId);
    if (raw?.failedReason) throw new Error(raw.failedReason);
    if (Date.now() > deadline) throw new Error('timed out waiting for the events job');
    await new Promise((r) => setTimeout(r, 25));
  }
}

describe('attribution in the enricher worker', () => {
  it('fills company, visitor type and attribution columns by source precedence', async () => {
    const { rows, companies } = await run([
      // agency range (1) beats the company database's Globex GmbH
      request('site_shop', '198.51.100.5', {
        page_url: 'https://shop.example/p?utm_source=newsletter&utm_medium=email',
        language: 'en_gb',
      }),
      // company database (2), completed from the companies row of acme.example
      request('site_shop', '192.0.2.1', {
        page_url: 'https://shop.example/',
        referrer: 'https://www.linkedin.com/feed',
      }),
      // Anonymous-IP DB: hosting (203.0.113.1) -> privacy_user, no company from its network
      request('site_shop', '203.0.113.1', {
        page_url: 'https://shop.example/',
        time_on_page: 60,
        form_submits: 1,
      }),
      // cookieless site: the company is stored, the visitor type says privacy
      request('site_quiet', '192.0.2.1', { page_url: 'https://quiet.example/' }),
      // the other agency's site, same network: its own range and facts
      request('site_other', '192.0.2.1', { page_url: 'https://other.example/' }),
    ]);
    expect(rows).toHaveLength(5);
    const [agency, db2, hosting, quiet, other] = rows;
    expect(agency).toMatchObject({
      company_name: 'Client Co',
      company_domain: 'client.example',
      company_industry: 'Retail',
      company_confidence: 1,
      company_source: 'agency_ranges',
      visitor_type: 'business',
      channel: 'email',
      utm_source: 'newsletter',
      language: 'en-GB',
      page_path: '/p',
    });
    expect(db2).toMatchObject({
      company_name: 'Acme Corporation',
      company_domain: 'acme.example',
      company_industry: 'Manufacturing',
      company_employee_count: '1000-4999',
      company_revenue: '$2B',
      company_confidence: 0.9,
      company_source: 'maxmind',
      visitor_type: 'business',
      referrer_domain: 'linkedin.com',
      referrer_class: 'social',
      channel: 'organic_social',
    });
    expect(hosting).toMatchObject({
      is_hosting: true,
      company_name: null,
      company_source: null,
      visitor_type: 'privacy_user',
      channel: 'direct',
      engagement_score: 23,
      is_bounce: null,
    });
    expect(quiet).toMatchObject({
      company_name: 'Acme Corporation',
      company_industry: 'Manufacturing',
      company_revenue: '$2B',
      visitor_type: 'privacy_user',
    });
    // The same network on the other agency's site: its own range, its own facts.
    expect(other).toMatchObject({
      company_name: 'Acme Confidential Holdings',
      company_domain: 'acme.example',
      company_industry: 'Defense',
      company_employee_count: '10000+',
      company_revenue: '$9.9B (confidential)',
      company_source: 'agency_ranges',
    });
    // For the writer: neutral facts as the company database gave them (nothing completed from a
    // table), and each agency's range facts owned by that agency.
    expect(companies).toEqual([
      {
        domain: 'client.example',
        name: 'Client Co',
        industry: 'Retail',
        employee_count: null,
        revenue: null,
        agency_id: agencyId,
      },
      {
        domain: 'acme.example',
        name: 'Acme Corporation',
        industry: 'Manufacturing',
        employee_count: '1000-4999',
        revenue: null,
      },
      {
        domain: 'acme.example',
        name: 'Acme Confidential Holdings',
        industry: 'Defense',
        employee_count: '10000+',
        revenue: '$9.9B (confidential)',
        agency_id: otherAgency,
      },
    ]);
  });
});
