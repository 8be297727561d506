import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { migrate, MigrationError, type MigrateResult } from './migrate.js';

/**
 * Schema profiles: migrations applied after the base ones for another database layout. `citus`
 * (docs/scaling.md) distributes events, sessions and the rollups by site_id over a Citus cluster and
 * makes the small tables reference tables. A profile keeps its own ledger (schema_migrations_<name>),
 * so upgrades apply its new files like the base ones.
 */
export const PROFILES = {
  citus: fileURLToPath(new URL('../profiles/citus/', import.meta.url)),
} as const;

export type ProfileName = keyof typeof PROFILES;

/** Tables the citus profile leaves on the coordinator (neither distributed nor reference). */
export const CITUS_LOCAL_TABLES: readonly string[] = [
  'dead_events',
  // Migration 0100: small per-site tables, read by the API and written in batches (the writer adds
  // ingestion_health after its commit on this profile: services/writer/src/store.ts).
  'ingestion_health',
  // Migration 0175: the enricher's per-job markers, inserted in one statement with its ingestion_health
  // counts, so they live where ingestion_health lives.
  'ingestion_health_jobs',
  'site_ingest_tokens',
  'schema_migrations',
  'schema_migrations_citus',
];

/** Applies a profile's pending migrations (after the base migrations, which the caller runs first). */
export async function migrateProfile(
  databaseUrl: string,
  profile: ProfileName,
  opts: { log?: (msg: string) => void } = {},
): Promise<MigrateResult> {
  if (profile === 'citus') await requireCitus(databaseUrl);
  return migrate(databaseUrl, {
    dir: PROFILES[profile],
    table: `schema_migrations_${profile}`,
    log: opts.log,
  });
}

/** The citus profile calls Citus' table functions: refuse clearly where they are missing. */
async function requireCitus(databaseUrl: string): Promise<void> {
  const client = new pg.Client({ connectionString: databaseUrl, application_name: 'beacon-migrate' });
  await client.connect();
  try {
    const { rows } = await client.query<{ ok: boolean }>(
      `SELECT to_regproc('create_distributed_table') IS NOT NULL AND to_regproc('create_reference_table') IS NOT NULL AS ok`,
    );
    if (!rows[0]?.ok)
      throw new MigrationError(
        'the citus profile needs the Citus extension on this database (run CREATE EXTENSION citus on the coordinator, with its workers added, first)',
      );
  } finally {
    await client.end();
  }
}
