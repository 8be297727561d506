import { randomBytes } from 'node:crypto';
import { adminSql } from '@beacon/db';
import { waitFor } from '@beacon/testkit';
import { hashPassword } from '../../src/secrets.js';
import {
  importCompanies,
  seed,
  sendBatch,
  type Seeded,
  useRunningStack,
  type RunningStack,
} from './harness.js';
import { SAFARI_UA } from '../user-agents.js';

// Issue #13, "company data has an owner", end to end: the four services as `beacon serve` processes on
// the machine's PostgreSQL and Redis, imports through the real CLI, hits through the collector, reads
// through the API over HTTP. Agency B imports acme.example with confidential facts; visitors of agency A's
// site come from the same network (A knows it by name only). Before the fix, the writer copied B's facts
// into the shared `companies` row and the enricher completed A's events from it, and A's company detail
// showed B's name and revenue. Now nothing of B may reach A: not the detail route, the list, the CSV
// exports, or the events stored for A's site.

const NETWORK = '203.0.113.0/24';
const IP_A = '203.0.113.20';
const IP_B = '203.0.113.10';
/** What only agency B knows; none of it may appear in anything agency A reads. */
const B_FACTS = {
  name: 'ACME Confidential Holdings',
  industry: 'Defense',
  employee_count: '10000+',
  revenue: '$9.9B (confidential)',
};
const B_MARKERS = ['Confidential', 'Defense', '10000+', '9.9B'];
/** The shared, agency-neutral facts (as the operator's company database would have written them). */
const NEUTRAL = { name: 'Acme Corporation', industry: 'Manufacturing', employee_count: '1000-4999' };

let a: Seeded;
let b: Seeded;
let viewerA: { email: string; password: string };

// No company cache in the enricher: A's hits read the tables as any hit after the TTL would.
const w = useRunningStack('e2e-wall', { env: { COMPANY_CACHE_TTL_SECONDS: '0' }, prepare });

async function prepare({ db, stack }: Pick<RunningStack, 'db' | 'stack'>): Promise<void> {
  a = await seed(db, { domain: 'shop-a.example', config: { allowed_origins: ['shop-a.example'] } });
  b = await seed(db, { domain: 'shop-b.example', config: { allowed_origins: ['shop-b.example'] } });
  viewerA = { email: `viewer-${randomBytes(4).toString('hex')}@e2e.example`, password: 'viewer-pw-123456' };
  await db.pool.query(adminSql.insertUser, [
    a.agencyId,
    viewerA.email,
    await hashPassword(viewerA.password),
    'viewer',
    'A',
    'Viewer',
    null,
    null,
  ]);
  await db.pool.query(
    'INSERT INTO companies (name, domain, industry, employee_count) VALUES ($1, $2, $3, $4)',
    [NEUTRAL.name, 'acme.example', NEUTRAL.industry, NEUTRAL.employee_count],
  );
  await importCompanies(
    'range,company_name,domain,industry,employee_count,revenue\n' +
      `${NETWORK},${B_FACTS.name},acme.example,${B_FACTS.industry},${B_FACTS.employee_count},${B_FACTS.revenue}\n`,
    b.agencyEmail,
    stack.env,
  );
  await importCompanies(
    `range,company_name,domain\n${NETWORK},Acme,acme.example\n`,
    a.agencyEmail,
    stack.env,
  );
}

const hex = () => randomBytes(16).toString('hex');

async function visit(site: Seeded, domain: string, ip: string, pages: string[]): Promise<void> {
  const client = hex();
  const session = hex();
  const events = pages.map((path) => ({
    event_name: 'page_view',
    event_id: hex(),
    timestamp: Date.now(),
    client_id: client,
    session_id: session,
    session_number: 1,
    page_url: `https://${domain}${path}`,
    referrer: '',
    page_title: path,
    language: 'en-US',
  }));
  const res = await sendBatch(w.stack, site, events, { origin: `https://${domain}`, ua: SAFARI_UA, ip });
  expect(res.status).toBe(202);
  await waitFor(
    `${pages.length} events of ${site.scriptId} stored`,
    async () =>
      (
        await w.db.pool.query<{ n: number }>(
          'SELECT count(*)::int AS n FROM events WHERE site_id = $1 AND session_id = $2',
          [site.scriptId, session],
        )
      ).rows[0]!.n === pages.length,
    { timeoutMs: 20_000, ignoreErrors: true },
  );
}

async function login(email: string, password: string): Promise<(path: string) => Promise<Response>> {
  const res = await fetch(`${w.stack.url('api')}/v1/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email, password }),
  });
  const body = (await res.json()) as { access_token?: string };
  if (res.status !== 200 || !body.access_token) throw new Error(`login failed: ${res.status}`);
  return (path) =>
    fetch(`${w.stack.url('api')}${path}`, { headers: { authorization: `Bearer ${body.access_token}` } });
}

async function text(res: Response): Promise<string> {
  const t = await res.text();
  if (res.status !== 200) throw new Error(`${res.url}: ${res.status} ${t}`);
  return t;
}

const noneOfB = (t: string) => B_MARKERS.filter((m) => t.includes(m));

test("agency B's imported company facts never reach agency A: API, exports and stored events", async () => {
  // B's visitors first: their facts are what the writer used to copy into the shared row.
  await visit(b, 'shop-b.example', IP_B, ['/', '/pricing']);
  await visit(a, 'shop-a.example', IP_A, ['/', '/contact', '/team']);

  // Stored events of A's site: A's own name, the neutral facts, nothing of B.
  const { rows: stored } = await w.db.pool.query(
    `SELECT DISTINCT company_name, company_domain, company_industry, company_employee_count, company_revenue, company_source
     FROM events WHERE site_id = $1`,
    [a.scriptId],
  );
  expect(stored).toEqual([
    {
      company_name: 'Acme',
      company_domain: 'acme.example',
      company_industry: NEUTRAL.industry,
      company_employee_count: NEUTRAL.employee_count,
      company_revenue: null,
      company_source: 'agency_ranges',
    },
  ]);

  // The shared row still holds only the neutral facts; B's facts live in B's own row.
  const { rows: shared } = await w.db.pool.query(
    "SELECT name, industry, employee_count, revenue FROM companies WHERE domain = 'acme.example'",
  );
  expect(shared).toEqual([{ ...NEUTRAL, revenue: null }]);
  const { rows: owned } = await w.db.pool.query(
    "SELECT agency_id, name, revenue FROM agency_companies WHERE domain = 'acme.example' ORDER BY name",
  );
  expect(owned).toEqual([
    { agency_id: b.agencyId, name: B_FACTS.name, revenue: B_FACTS.revenue },
    { agency_id: a.agencyId, name: 'Acme', revenue: null },
  ]);

  const asViewerA = await login(viewerA.email, viewerA.password);
  const siteA = `/v1/sites/${a.siteId}`;

  // The company detail route: A's name over the neutral one, neutral facts, nothing of B.
  const detailText = await text(await asViewerA(`${siteA}/companies/acme.example`));
  expect(noneOfB(detailText)).toEqual([]);
  expect((JSON.parse(detailText) as { company: unknown }).company).toEqual({
    name: 'Acme',
    domain: 'acme.example',
    industry: NEUTRAL.industry,
    employee_count: NEUTRAL.employee_count,
    revenue: null,
  });

  // The companies list.
  const listText = await text(await asViewerA(`${siteA}/companies?limit=100`));
  expect(noneOfB(listText)).toEqual([]);
  const list = JSON.parse(listText) as { items: Record<string, unknown>[] };
  expect(list.items.map((c) => [c.name, c.domain, c.industry, c.visitors])).toEqual([
    ['Acme', 'acme.example', NEUTRAL.industry, 1],
  ]);

  // The CSV exports: the company breakdowns as A's viewer, the raw events as A's admin (who may see
  // more than a viewer: still nothing of B).
  for (const what of ['companies', 'industries']) {
    const csv = await text(await asViewerA(`${siteA}/export/${what}`));
    expect(noneOfB(csv)).toEqual([]);
    expect(csv).toContain(what === 'companies' ? 'Acme' : NEUTRAL.industry);
  }
  const asAdminA = await login(a.email, a.password);
  const eventsCsv = await text(await asAdminA(`${siteA}/export/events`));
  expect(noneOfB(eventsCsv)).toEqual([]);
  expect(eventsCsv.split('\r\n').filter((l) => l.includes('acme.example'))).toHaveLength(3);

  // B still sees its own facts for its own site.
  const asAdminB = await login(b.email, b.password);
  const detailB = JSON.parse(await text(await asAdminB(`/v1/sites/${b.siteId}/companies/acme.example`))) as {
    company: unknown;
  };
  expect(detailB.company).toEqual({ ...B_FACTS, domain: 'acme.example' });
  // And A cannot ask about B's site at all (the tenant wall of every site route).
  expect((await asViewerA(`/v1/sites/${b.siteId}/companies/acme.example`)).status).toBe(404);
}, 120_000);
