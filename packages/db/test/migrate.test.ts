import { mkdtemp, readFile, readdir, rm, writeFile, cp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { migrate, MIGRATIONS_DIR, readMigrations } from '@beacon/db';
import { createTestDatabase, type TestDatabase } from '@beacon/testkit';

let db: TestDatabase;
beforeEach(async () => {
  db = await createTestDatabase({ migrated: false });
});
afterEach(async () => {
  await db.drop();
});

/** Runs `fn` on a temporary copy of the migrations folder (to edit or trim), removed afterwards. */
async function inMigrationsCopy(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'beacon-mig-'));
  try {
    await cp(MIGRATIONS_DIR, dir, { recursive: true });
    await fn(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

describe('migrations', () => {
  it('applies every migration once; a second run is a no-op', async () => {
    const all = await readMigrations();
    const first = await migrate(db.url);
    expect(first.applied).toEqual(all.map((m) => m.file));
    const second = await migrate(db.url);
    expect(second).toEqual({ applied: [], alreadyApplied: all.length });
    const { rows } = await db.pool.query('SELECT version FROM schema_migrations ORDER BY version');
    expect(rows.map((r) => r.version)).toEqual(all.map((m) => m.version));
  });

  it('lets several runners start at once: one applies, the others wait and find nothing to do', async () => {
    const results = await Promise.all([migrate(db.url), migrate(db.url), migrate(db.url)]);
    const applied = results.map((r) => r.applied.length).sort();
    expect(applied[0]).toBe(0);
    expect(applied[1]).toBe(0);
    expect(applied[2]).toBe((await readMigrations()).length);
  });

  it('refuses to run when an applied migration file was edited', async () => {
    await inMigrationsCopy(async (dir) => {
      await migrate(db.url, { dir });
      const file = join(dir, '0001_schema.sql');
      await writeFile(file, `${await readFile(file, 'utf8')}\n-- edited\n`);
      await expect(migrate(db.url, { dir })).rejects.toThrow(
        /0001_schema.sql was changed after it was applied/,
      );
    });
  });

  it('rolls a failing migration back whole, recording nothing', async () => {
    await inMigrationsCopy(async (dir) => {
      await writeFile(
        join(dir, '9999_broken.sql'),
        'CREATE TABLE half_done (id int);\nSELECT no_such_function();\n',
      );
      await expect(migrate(db.url, { dir })).rejects.toThrow(/9999_broken.sql failed/);
      const c = new pg.Client({ connectionString: db.url });
      await c.connect();
      try {
        const { rowCount } = await c.query("SELECT 1 FROM pg_class WHERE relname = 'half_done'");
        expect(rowCount).toBe(0);
        const { rows } = await c.query('SELECT max(version) AS v FROM schema_migrations');
        expect(rows[0].v).toBeLessThan(9999);
      } finally {
        await c.end();
      }
    });
  });

  it('0070 private by default: sites that existed keep their IPs whole, sites created after truncate', async () => {
    await inMigrationsCopy(async (dir) => {
      // The database as it was before 0070, with sites made then.
      for (const f of await readdir(dir)) if (f >= '0070') await rm(join(dir, f));
      await migrate(db.url, { dir });
      const { rows } = await db.pool.query<{ id: string }>(
        `INSERT INTO agencies (name, api_key) VALUES ('a', 'x') RETURNING id`,
      );
      await db.pool.query(
        `INSERT INTO sites (agency_id, name, domain, script_id, config) VALUES
           ($1, 'old', 'old.example', 'site_old', '{}'),
           ($1, 'null', 'null.example', 'site_null', NULL),
           ($1, 'drop', 'drop.example', 'site_drop', '{"ip_anonymization": "drop", "cookieless": true}')`,
        [rows[0]!.id],
      );
      await migrate(db.url);
      await db.pool.query(
        `INSERT INTO sites (agency_id, name, domain, script_id) VALUES ($1, 'new', 'new.example', 'site_new')`,
        [rows[0]!.id],
      );
      const { rows: sites } = await db.pool.query<{ script_id: string; config: unknown }>(
        'SELECT script_id, config FROM sites ORDER BY script_id',
      );
      // A site without the key truncates (parseSiteConfig's default in @beacon/schema).
      expect(Object.fromEntries(sites.map((s) => [s.script_id, s.config]))).toEqual({
        site_drop: { ip_anonymization: 'drop', cookieless: true },
        site_new: {},
        site_null: { ip_anonymization: 'none' },
        site_old: { ip_anonymization: 'none' },
      });
    });
  });
});
