import { readFileSync } from 'node:fs';
import { compactHours, ensurePartitions, rebuildRollups, verifyRollups } from '@beacon/db';
import { useTestDatabase } from '@beacon/testkit';
import { agencyWithSites, insertEvents } from './rollup-fixture.js';

// The names dictionary (migrations/0190, docs/conversions.md "Speed"): goals on rollups match their
// pattern on it and read only the matching names' rollup_names rows, so it must hold every name those
// rows hold. Rolling up adds new names; verify reports a name missing from it. Real PostgreSQL.
const db = useTestDatabase();
const NOW = new Date('2026-11-15T12:30:00Z');

beforeAll(async () => {
  await ensurePartitions(db.pool, { monthsAhead: 3, now: new Date('2026-10-01T00:00:00Z') });
  await agencyWithSites(db.pool, '00000000-0000-0000-0000-00000000000d', [
    { scriptId: 'dict_a' },
    { scriptId: 'dict_b' },
  ]);
  const stream = { from: '2026-11-01T00:00:00Z', minutes: 7, count: 600, visitors: 20, perSession: 5 };
  await insertEvents(db.pool, { ...stream, site: 'dict_a', pages: 9 });
  await insertEvents(db.pool, { ...stream, site: 'dict_b', pages: 4 });
  // A page view without a path: NULL is a name of its own (name_key of row(NULL)).
  await db.pool.query(
    `INSERT INTO events (id, site_id, event_name, server_timestamp, client_id, session_id, page_path, visitor_type)
     VALUES (gen_random_uuid(), 'dict_a', 'page_view', '2026-11-02T10:00:00Z', 'cx', 'sx', NULL, 'human')`,
  );
  for (const site of ['dict_a', 'dict_b'])
    await rebuildRollups(db.pool, { siteId: site, chunkHours: 24, now: NOW });
});

const names = async (table: string, site: string) =>
  (
    await db.pool.query<{ kind: number; name_key: string; name: string | null }>(
      `SELECT DISTINCT kind, name_key::text, name FROM ${table} WHERE site_id = $1 ORDER BY 1, 2`,
      [site],
    )
  ).rows;

test('holds exactly the names of each site’s rollup_names rows', async () => {
  for (const site of ['dict_a', 'dict_b']) {
    const rolled = await names('rollup_names', site);
    // dict_a: 9 pages, the NULL path and click; dict_b: 3 pages (its 4th path is only clicked) and click.
    expect(rolled).toHaveLength(site === 'dict_a' ? 11 : 4);
    expect(await names('rollup_name_dict', site)).toEqual(rolled);
    expect(await verifyRollups(db.pool, site)).toEqual({ siteId: site, missing: 0, extra: 0 });
  }
});

test('a name missing from it is reported by verify, and a rebuild adds it back', async () => {
  await db.pool.query(`DELETE FROM rollup_name_dict WHERE site_id = 'dict_a' AND kind = 1 AND name = '/p3'`);
  expect(await verifyRollups(db.pool, 'dict_a')).toEqual({ siteId: 'dict_a', missing: 1, extra: 0 });
  // verify changes nothing (its recomputation is rolled back).
  expect(await names('rollup_name_dict', 'dict_a')).toHaveLength(10);
  await rebuildRollups(db.pool, { siteId: 'dict_a', chunkHours: 24, now: NOW });
  expect(await names('rollup_name_dict', 'dict_a')).toEqual(await names('rollup_names', 'dict_a'));
  expect(await verifyRollups(db.pool, 'dict_a')).toEqual({ siteId: 'dict_a', missing: 0, extra: 0 });
});

/** The page and event names of the site's day rows, as dictionary rows (value_key is name_key). */
const dayNames = async (site: string) =>
  (
    await db.pool.query<{ kind: number; name_key: string; name: string | null }>(
      `SELECT DISTINCT CASE dim WHEN 'page' THEN 1 ELSE 2 END AS kind, value_key::text AS name_key, value AS name
       FROM rollup_days WHERE site_id = $1 AND dim IN ('page', 'event') ORDER BY 1, 2`,
      [site],
    )
  ).rows;

test('holds every name of the day rows, compacted days too; migration 0215 adds the ones it lacks', async () => {
  // Goal figures from days match goals on the dictionary and read the day rows by value_key.
  await compactHours(
    db.pool,
    'dict_b',
    new Date('2026-11-01T00:00:00Z'),
    new Date('2026-11-02T00:00:00Z'),
    'UTC',
  );
  const days = await dayNames('dict_b');
  expect(days).toHaveLength(4);
  const dict = await names('rollup_name_dict', 'dict_b');
  const key = (n: { kind: number; name_key: string; name: string | null }) =>
    JSON.stringify([n.kind, n.name_key, n.name]);
  expect(days.map(key).filter((k) => !dict.map(key).includes(k))).toEqual([]);
  // Names of days compacted before the dictionary existed (or imported before 0215) were never in
  // it: the migration's backfill puts them there.
  await db.pool.query(`DELETE FROM rollup_name_dict WHERE site_id = 'dict_b'`);
  const migration = readFileSync(
    new URL('../migrations/0215_rollup_days_by_value.sql', import.meta.url),
    'utf8',
  );
  const backfill = migration.split(';\n').find((s) => s.includes('INSERT INTO rollup_name_dict'))!;
  await db.pool.query(backfill);
  expect(await names('rollup_name_dict', 'dict_b')).toEqual(days);
});
