import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import pg from 'pg';

/**
 * Forward-only SQL migrations: packages/db/migrations/NNNN_name.sql, applied in order, each in its own
 * transaction together with its row in schema_migrations. A session-level advisory lock serialises
 * runners, so services starting at once cannot race; the checksum of every applied file is compared
 * with the file on disk, so an edited migration is caught instead of silently diverging.
 */
export const MIGRATIONS_DIR = fileURLToPath(new URL('../migrations/', import.meta.url));

// pg_advisory_lock key: any constant unique to Beacon's migrations.
const MIGRATION_LOCK_KEY = 0x6265_6163; // 'beac'

export interface Migration {
  version: number;
  name: string;
  file: string;
  sql: string;
  checksum: string;
}

export class MigrationError extends Error {
  override readonly name = 'MigrationError';
}

export async function readMigrations(dir = MIGRATIONS_DIR): Promise<Migration[]> {
  const files = (await readdir(dir)).filter((f) => f.endsWith('.sql')).sort();
  const out: Migration[] = [];
  for (const file of files) {
    const m = /^(\d{4})_([a-z0-9_]+)\.sql$/.exec(file);
    if (!m) throw new MigrationError(`migration file name ${file} is not NNNN_name.sql`);
    const sql = await readFile(`${dir}/${file}`, 'utf8');
    const version = Number(m[1]);
    if (out.some((o) => o.version === version)) throw new MigrationError(`two migrations numbered ${m[1]}`);
    out.push({ version, name: m[2]!, file, sql, checksum: createHash('sha256').update(sql).digest('hex') });
  }
  return out;
}

export interface MigrateResult {
  applied: string[];
  alreadyApplied: number;
}

/** Applies every pending migration. Safe to run concurrently and repeatedly (a no-op when current). */
export async function migrate(
  databaseUrl: string,
  opts: { dir?: string; log?: (msg: string) => void; table?: string } = {},
): Promise<MigrateResult> {
  const migrations = await readMigrations(opts.dir);
  // A profile's migrations (./profiles.ts) keep their own ledger beside the base one.
  const table = pg.escapeIdentifier(opts.table ?? 'schema_migrations');
  const client = new pg.Client({ connectionString: databaseUrl, application_name: 'beacon-migrate' });
  await client.connect();
  try {
    // Migrations may take longer than the services' statement timeout; no limit here.
    await client.query('SET statement_timeout = 0');
    await client.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);
    try {
      await client.query(`CREATE TABLE IF NOT EXISTS ${table} (
        version    INTEGER PRIMARY KEY,
        name       TEXT NOT NULL,
        checksum   CHAR(64) NOT NULL,
        applied_at TIMESTAMPTZ NOT NULL DEFAULT now()
      )`);
      const { rows } = await client.query<{ version: number; name: string; checksum: string }>(
        `SELECT version, name, checksum FROM ${table} ORDER BY version`,
      );
      const known = new Map(rows.map((r) => [r.version, r]));
      for (const row of rows) {
        const file = migrations.find((m) => m.version === row.version);
        if (!file)
          throw new MigrationError(
            `the database has migration ${row.version} (${row.name}) that this version of Beacon does not know: is it older than the database?`,
          );
        if (file.checksum !== row.checksum)
          throw new MigrationError(
            `migration ${file.file} was changed after it was applied (checksum differs); add a new migration instead`,
          );
      }
      const applied: string[] = [];
      for (const m of migrations) {
        if (known.has(m.version)) continue;
        await client.query('BEGIN');
        try {
          // Row first: a concurrent runner without the lock would fail on the key, not half-apply.
          await client.query(`INSERT INTO ${table} (version, name, checksum) VALUES ($1, $2, $3)`, [
            m.version,
            m.name,
            m.checksum,
          ]);
          await client.query(m.sql);
          await client.query('COMMIT');
        } catch (err) {
          await client.query('ROLLBACK');
          throw new MigrationError(`migration ${m.file} failed: ${(err as Error).message}`, { cause: err });
        }
        applied.push(m.file);
        opts.log?.(`applied ${m.file}`);
      }
      return { applied, alreadyApplied: known.size };
    } finally {
      await client.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY]).catch(() => undefined);
    }
  } finally {
    await client.end();
  }
}

/** Creates the database named in the URL if it does not exist (connects to the `postgres` database). */
export async function ensureDatabase(databaseUrl: string): Promise<boolean> {
  const url = new URL(databaseUrl);
  const name = decodeURIComponent(url.pathname.replace(/^\//, ''));
  if (!name) throw new MigrationError('DATABASE_URL names no database');
  url.pathname = '/postgres';
  const admin = new pg.Client({ connectionString: url.toString(), application_name: 'beacon-migrate' });
  await admin.connect();
  try {
    const { rowCount } = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (rowCount) return false;
    try {
      await admin.query(`CREATE DATABASE ${pg.escapeIdentifier(name)}`);
    } catch (err) {
      // 42P04: created meanwhile by another process.
      if ((err as { code?: string }).code !== '42P04') throw err;
      return false;
    }
    return true;
  } finally {
    await admin.end();
  }
}
