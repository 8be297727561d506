import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { createPool, migrate } from '@beacon/db';
import { dbUrl, PG_ADMIN_URL, TEMPLATE_ENV } from './env.js';

export interface TestDatabase {
  name: string;
  url: string;
  pool: pg.Pool;
  /** Closes the pool and drops the database (forcing out any connection left behind). */
  drop(): Promise<void>;
}

async function admin<T>(fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: PG_ADMIN_URL, application_name: 'beacon-test-admin' });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/** Creates and migrates the template database that every test file clones (once per jest run). */
export async function createTemplateDatabase(): Promise<string> {
  const name = `beacon_tpl_${process.pid}_${randomBytes(3).toString('hex')}`;
  await admin((c) => c.query(`CREATE DATABASE ${name}`));
  await migrate(dbUrl(name));
  return name;
}

export async function dropDatabase(name: string): Promise<void> {
  await admin((c) => c.query(`DROP DATABASE IF EXISTS ${pg.escapeIdentifier(name)} WITH (FORCE)`));
}

/**
 * A fresh migrated database for one test file: a copy of the run's template (fast, no migrations
 * replayed). Without a template (a test run outside jest's global setup) it migrates a new one.
 */
export async function createTestDatabase(opts: { migrated?: boolean } = {}): Promise<TestDatabase> {
  const name = `beacon_t_${randomBytes(5).toString('hex')}`;
  const template = process.env[TEMPLATE_ENV];
  const migrated = opts.migrated ?? true;
  await admin(async (c) => {
    for (let attempt = 0; ; attempt++) {
      try {
        await c.query(
          migrated && template
            ? `CREATE DATABASE ${name} TEMPLATE ${pg.escapeIdentifier(template)}`
            : `CREATE DATABASE ${name}`,
        );
        return;
      } catch (err) {
        // 55006: the template is briefly in use by a concurrent CREATE DATABASE of another file.
        if ((err as { code?: string }).code !== '55006' || attempt >= 50) throw err;
        await new Promise((r) => setTimeout(r, 50 + Math.random() * 100));
      }
    }
  });
  const url = dbUrl(name);
  if (migrated && !template) await migrate(url);
  const pool = createPool({ databaseUrl: url, applicationName: 'beacon-test', max: 5 });
  return {
    name,
    url,
    pool,
    async drop() {
      await pool.end().catch(() => undefined);
      await dropDatabase(name);
    },
  };
}
