import { mkdtemp, readFile, rm, writeFile, cp } from 'node:fs/promises';
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
    const dir = await mkdtemp(join(tmpdir(), 'beacon-mig-'));
    try {
      await cp(MIGRATIONS_DIR, dir, { recursive: true });
      await migrate(db.url, { dir });
      const file = join(dir, '0001_schema.sql');
      await writeFile(file, `${await readFile(file, 'utf8')}\n-- edited\n`);
      await expect(migrate(db.url, { dir })).rejects.toThrow(
        /0001_schema.sql was changed after it was applied/,
      );
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('rolls a failing migration back whole, recording nothing', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'beacon-mig-'));
    try {
      await cp(MIGRATIONS_DIR, dir, { recursive: true });
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
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
