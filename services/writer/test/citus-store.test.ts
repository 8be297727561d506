import { migrateProfile } from '@beacon/db';
import { installCitusStub, useTestDatabase } from '@beacon/testkit';
import { storeBatch, type Row } from '../src/index.js';
import { makeRow, seedSites } from './helpers.js';

// The writer's statements on the citus profile's schema (plain PostgreSQL with Citus' table functions
// stood in, see packages/db/test/citus-profile.test.ts): DATABASE_PROFILE=citus must keep exactly-once
// storage and session upserts working on (site_id, id, server_timestamp) and (site_id, session_id).

const db = useTestDatabase();

beforeAll(async () => {
  await installCitusStub(db.pool);
  await migrateProfile(db.url, 'citus');
  await db.pool.query(`SELECT * FROM beacon_ensure_event_partitions(now() - interval '1 month', 2)`);
  await seedSites(db.pool, ['site_a', 'site_b']);
});

const rowsOf = (site: string, n: number, session: string) =>
  Array.from({ length: n }, (_, i) =>
    makeRow({ site_id: site, session_id: session, page_url: `https://a.example/${i}` }),
  ) as unknown as Row[];

test('a batch stored twice is stored once; sessions count each row once', async () => {
  const rows = rowsOf('site_a', 20, 'sess-1');
  const first = await storeBatch(db.pool, rows, [], { profile: 'citus' });
  expect(first).toMatchObject({ inserted: 20, dead: [] });
  // The same batch again (a retried job): the primary key with site_id still refuses every copy.
  const again = await storeBatch(db.pool, rows, [], { profile: 'citus' });
  expect(again).toMatchObject({ inserted: 0, dead: [] });
  const { rows: s } = await db.pool.query(
    `SELECT page_views, events_count FROM sessions WHERE site_id = 'site_a' AND session_id = 'sess-1'`,
  );
  expect(s).toEqual([{ page_views: 20, events_count: 20 }]);
  const { rows: e } = await db.pool.query(`SELECT count(*)::int AS n FROM events WHERE site_id = 'site_a'`);
  expect(e[0].n).toBe(20);
});

test("a session_id another site used gets that site's own session row", async () => {
  await storeBatch(db.pool, rowsOf('site_a', 2, 'shared'), [], { profile: 'citus' });
  const r = await storeBatch(db.pool, rowsOf('site_b', 3, 'shared'), [], { profile: 'citus' });
  expect(r.sessionConflicts).toBe(0);
  const { rows } = await db.pool.query(
    `SELECT site_id, events_count FROM sessions WHERE session_id = 'shared' ORDER BY site_id`,
  );
  expect(rows).toEqual([
    { site_id: 'site_a', events_count: 2 },
    { site_id: 'site_b', events_count: 3 },
  ]);
});

test('the standard statements do not fit the citus schema (the profile setting matters)', async () => {
  await expect(
    storeBatch(db.pool, rowsOf('site_a', 1, 'sess-x'), [], { profile: 'standard' }),
  ).rejects.toMatchObject(
    { code: '42P10' }, // no unique or exclusion constraint matching the ON CONFLICT specification
  );
});
