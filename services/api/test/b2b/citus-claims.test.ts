import { createPool, migrateProfile, type Pool } from '@beacon/db';
import { createRegistry, createLogger, serviceMetrics } from '@beacon/observability';
import { createTestDatabase, installCitusStub, type TestDatabase } from '@beacon/testkit';
import { dispatchOnce } from '../../src/b2b/dispatcher.js';
import { recomputeDecayed } from '../../src/b2b/score-decay.js';
import { seedTwoAgencies } from '../helpers.js';
import { storeVisit } from './visits.js';

// The dispatcher claims outbox rows one site at a time (docs/company-alerts.md, "Citus"): on the
// citus profile's schema (plain PostgreSQL with Citus' table functions stood in, as in
// packages/db/test/citus-profile.test.ts), a site whose rows another dispatcher holds does not stop
// the other sites, and its rows are taken once they are free. Citus itself is not installable here,
// so the statements are also read as they go to PostgreSQL: every row-locking one names one site.

let db: TestDatabase;
let pool: Pool;
const sent: string[] = [];

beforeAll(async () => {
  db = await createTestDatabase();
  await installCitusStub(db.pool);
  await migrateProfile(db.url, 'citus');
  await db.pool.query(`SELECT * FROM beacon_ensure_event_partitions(now() - interval '2 months', 3)`);
  // The pool the dispatcher and the decay pass use: every statement text is kept.
  pool = createPool({ databaseUrl: db.url, max: 4 });
  pool.on('connect', (client) => {
    const query = client.query.bind(client) as (...a: unknown[]) => unknown;
    (client as unknown as { query: (...a: unknown[]) => unknown }).query = (...a: unknown[]) => {
      const q = a[0] as string | { text: string };
      sent.push(typeof q === 'string' ? q : q.text);
      return query(...a);
    };
  });
});
afterAll(async () => {
  await pool?.end();
  await db?.drop();
});

test('claims per site: a site held by another dispatcher is skipped, then taken once', async () => {
  const f = await seedTwoAgencies(db.pool);
  const deps = {
    pool,
    logger: createLogger('api', 'silent'),
    metrics: serviceMetrics('api', createRegistry('api', { defaultMetrics: false })).alerts,
    dashboardUrl: 'http://localhost:3000',
  };
  for (const site of [f.siteA.scriptId, f.siteB.scriptId])
    await storeVisit(db.pool, { site, domain: 'acme.example', paths: ['/pricing'], at: new Date() });
  // Another dispatcher's open claim on site A.
  const other = await db.pool.connect();
  try {
    await other.query('BEGIN');
    await other.query(`SELECT id FROM company_activity_outbox WHERE site_id = $1 FOR UPDATE`, [
      f.siteA.scriptId,
    ]);
    expect((await dispatchOnce(deps)).claimed).toBe(1);
    const scored = async () =>
      (await db.pool.query(`SELECT site_id FROM company_scores ORDER BY site_id`)).rows.map((r) => r.site_id);
    expect(await scored()).toEqual([f.siteB.scriptId]);
    await other.query('ROLLBACK');
    expect((await dispatchOnce(deps)).claimed).toBe(1);
    expect((await dispatchOnce(deps)).claimed).toBe(0);
    expect(await scored()).toEqual([f.siteA.scriptId, f.siteB.scriptId].sort());
  } finally {
    other.release();
  }
});

test('every row-locking statement of the dispatcher and the decay pass names one site', async () => {
  const f = await seedTwoAgencies(db.pool);
  // A score computed 40 days ago: due for the decay pass.
  const at = new Date(Date.now() - 40 * 86_400_000);
  await storeVisit(db.pool, { site: f.siteA.scriptId, domain: 'quiet.example', paths: ['/'], at });
  await dispatchOnce(
    {
      pool,
      logger: createLogger('api', 'silent'),
      metrics: serviceMetrics('api', createRegistry('api', { defaultMetrics: false })).alerts,
      dashboardUrl: 'http://localhost:3000',
    },
    new Date(at.getTime() + 60_000),
  );
  expect((await recomputeDecayed(pool)).rescored).toBe(1);
  const locking = sent.filter((q) => /FOR UPDATE/i.test(q));
  expect(locking.length).toBeGreaterThanOrEqual(2);
  for (const q of locking)
    expect(q).toMatch(/WHERE (\w+\.)?site_id = \$\d+(::text)? AND|WHERE site_id = \$1 ORDER BY/);
  const deletes = sent.filter((q) => /DELETE FROM company_activity_outbox/.test(q));
  for (const q of deletes) expect(q).toMatch(/WHERE site_id = \$1 AND/);
});
