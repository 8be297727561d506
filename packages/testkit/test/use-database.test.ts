import pg from 'pg';
import { PG_ADMIN_URL, useTestDatabase } from '../src/index.js';

// useTestDatabase: the file's database exists, migrated, while its tests run, and is gone after the
// file. Real PostgreSQL.

const db = useTestDatabase();
let seen: string | undefined;

// Registered after useTestDatabase's hooks, so it runs after its afterAll (jest runs afterAll hooks in
// the order they were declared): by then the database must be dropped.
afterAll(async () => {
  expect(seen).toMatch(/^beacon_t_/);
  const admin = new pg.Client({ connectionString: PG_ADMIN_URL });
  await admin.connect();
  try {
    const { rows } = await admin.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM pg_database WHERE datname = $1',
      [seen],
    );
    expect(rows[0]?.n).toBe(0);
  } finally {
    await admin.end();
  }
});

test('a migrated database of its own, by name, url and pool', async () => {
  seen = db.name;
  expect(db.url).toContain(db.name);
  const { rows } = await db.pool.query<{ db: string; events: number }>(
    "SELECT current_database() AS db, count(*)::int AS events FROM events WHERE site_id = 'none'",
  );
  expect(rows).toEqual([{ db: db.name, events: 0 }]);
});
