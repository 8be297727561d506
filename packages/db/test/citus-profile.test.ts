import { randomUUID } from 'node:crypto';
import { CITUS_LOCAL_TABLES, migrateProfile } from '@beacon/db';
import { citusTables, installCitusStub, useTestDatabase } from '@beacon/testkit';

// The citus profile (packages/db/profiles/citus) on plain PostgreSQL with stand-ins for Citus' table
// functions that refuse what Citus documents it refuses (packages/testkit/src/citus-stub.ts). Citus
// itself is not installable here: this checks the DDL and the resulting catalog, not Citus' runtime.

const db = useTestDatabase();

beforeAll(async () => {
  // A row of a month without partition, in the default partition before the profile runs.
  await db.pool.query(
    `INSERT INTO events (id, site_id, event_name, server_timestamp) VALUES ($1, 'early', 'page_view', '2031-05-04T10:00:00Z')`,
    [randomUUID()],
  );
});

test('refuses a database without Citus, clearly', async () => {
  await expect(migrateProfile(db.url, 'citus')).rejects.toThrow(/needs the Citus extension/);
});

test('applies on the migrated schema, then is a no-op', async () => {
  await installCitusStub(db.pool);
  const first = await migrateProfile(db.url, 'citus');
  expect(first.applied).toEqual(
    expect.arrayContaining([
      '0001_distribute.sql',
      '0002_company_overrides.sql',
      '0075_audit_and_privacy.sql',
      '0110_client_reporting.sql',
    ]),
  );
  expect(first.applied[0]).toBe('0001_distribute.sql');
  const again = await migrateProfile(db.url, 'citus');
  expect(again.applied).toEqual([]);
});

test('every table is distributed, a reference table, or deliberately local', async () => {
  const placed = new Map((await citusTables(db.pool)).map((t) => [t.rel, t]));
  const { rows } = await db.pool.query<{ name: string }>(
    `SELECT c.relname AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
     WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p') AND NOT c.relispartition ORDER BY 1`,
  );
  const unplaced = rows.map((r) => r.name).filter((n) => !placed.has(n) && !CITUS_LOCAL_TABLES.includes(n));
  // A new table must be placed in the profile (a new profile migration) before this passes.
  expect(unplaced).toEqual([]);
  const distributed = [...placed.values()].filter((t) => t.kind === 'distributed');
  expect(distributed.map((t) => t.rel)).toEqual(
    expect.arrayContaining(['events', 'sessions', 'rollup_sessions', 'rollup_names']),
  );
  // One co-location group, all by site_id: a site's events, sessions and rollups live on one node.
  expect(new Set(distributed.map((t) => t.colocation))).toEqual(new Set(['events']));
  expect(new Set(distributed.map((t) => t.dist_col))).toEqual(new Set(['site_id']));
});

test('no foreign key from a reference or local table into a distributed one', async () => {
  const kinds = new Map((await citusTables(db.pool)).map((t) => [t.rel, t.kind as string]));
  const { rows } = await db.pool.query<{ src: string; dst: string }>(
    `SELECT conrelid::regclass::text AS src, confrelid::regclass::text AS dst FROM pg_constraint
     WHERE contype = 'f' AND connamespace = 'public'::regnamespace`,
  );
  for (const fk of rows) {
    const src = kinds.get(fk.src) ?? 'local';
    const dst = kinds.get(fk.dst) ?? 'local';
    if (dst === 'distributed') expect({ fk, src }).toEqual({ fk, src: 'distributed' });
    if (src === 'reference') expect({ fk, dst }).toEqual({ fk, dst: 'reference' });
  }
});

test('every unique key of a distributed table holds site_id; sessions are unique per site', async () => {
  const { rows } = await db.pool.query<{ idx: string }>(
    `SELECT i.indexrelid::regclass::text AS idx
     FROM pg_index i JOIN citus_stub.tables t ON t.kind = 'distributed'
       AND (i.indrelid = t.rel OR i.indrelid IN (SELECT inhrelid FROM pg_inherits WHERE inhparent = t.rel))
     WHERE i.indisunique
       AND NOT EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = i.indrelid AND a.attnum = ANY (i.indkey) AND a.attname = 'site_id')`,
  );
  expect(rows).toEqual([]);
  const s = 'sess-shared';
  const { rows: a } = await db.pool.query<{ id: string }>(
    `INSERT INTO agencies (name, api_key) VALUES ('A', 'k') RETURNING id`,
  );
  for (const x of ['site_a', 'site_b'])
    await db.pool.query(`INSERT INTO sites (agency_id, name, domain, script_id) VALUES ($1, 'S', $2, $3)`, [
      a[0]!.id,
      `${x}.example`,
      x,
    ]);
  const insert = (site: string) =>
    db.pool.query(
      `INSERT INTO sessions (session_id, site_id, started_at, ended_at) VALUES ($1, $2, now(), now())`,
      [s, site],
    );
  await insert('site_a');
  await insert('site_b'); // the same session_id on another site: its own row on Citus
  await expect(insert('site_a')).rejects.toMatchObject({ code: '23505' });
});

test('monthly partitions without a default partition; rows from the default moved out', async () => {
  const { rows: parts } = await db.pool.query<{ name: string }>(
    `SELECT c.relname AS name FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = 'events'::regclass`,
  );
  expect(parts.map((p) => p.name)).not.toContain('events_default');
  expect(parts.map((p) => p.name)).toContain('events_2031_05');
  const { rows: moved } = await db.pool.query(`SELECT 1 FROM events_2031_05 WHERE site_id = 'early'`);
  expect(moved).toHaveLength(1);
  // The writer's upkeep creates partitions ahead (PARTITION OF: Citus distributes them with the parent).
  await db.pool.query(`SELECT * FROM beacon_ensure_event_partitions('2032-01-01T00:00:00Z', 1)`);
  await db.pool.query(
    `INSERT INTO events (id, site_id, event_name, server_timestamp) VALUES ($1, 's', 'page_view', '2032-02-03T00:00:00Z')`,
    [randomUUID()],
  );
  // A month without partition is refused (the writer sends such rows to dead_events).
  await expect(
    db.pool.query(
      `INSERT INTO events (id, site_id, event_name, server_timestamp) VALUES ($1, 's', 'page_view', '2040-01-01T00:00:00Z')`,
      [randomUUID()],
    ),
  ).rejects.toMatchObject({ code: '23514' });
});

test('the stand-ins refuse what Citus refuses (so the checks above can fail)', async () => {
  await db.pool.query(`CREATE TABLE probe_bad (id int PRIMARY KEY, site_id varchar(50))`);
  await expect(db.pool.query(`SELECT create_distributed_table('probe_bad', 'site_id')`)).rejects.toThrow(
    /does not include the distribution column/,
  );
  await db.pool.query(
    `CREATE TABLE probe_ref (site_id varchar(50), id uuid, ts timestamptz, FOREIGN KEY (site_id, id, ts) REFERENCES events)`,
  );
  await expect(db.pool.query(`SELECT create_reference_table('probe_ref')`)).rejects.toThrow(
    /not a reference table/,
  );
  await db.pool.query(`CREATE TABLE probe_int (site_id int PRIMARY KEY)`);
  await expect(
    db.pool.query(`SELECT create_distributed_table('probe_int', 'site_id', colocate_with => 'events')`),
  ).rejects.toThrow(/types differ/);
});
