import { Option, type Command } from 'commander';
import {
  ensureDatabase,
  ensurePartitions,
  migrate,
  migrateProfile,
  PROFILES,
  type ProfileName,
} from '@beacon/db';
import type { CliContext } from '../context.js';

/** Creates the database when missing, applies pending migrations and ensures the partitions ahead. */
export async function runMigrate(
  ctx: CliContext,
  log: (msg: string) => void,
  profile?: ProfileName,
): Promise<string[]> {
  const cfg = ctx.config();
  if (await ensureDatabase(cfg.core.databaseUrl))
    log(`created database ${new URL(cfg.core.databaseUrl).pathname.slice(1)}`);
  const result = await migrate(cfg.core.databaseUrl, { log });
  // A profile's layout goes on top of the base schema (docs/scaling.md); its files keep their own ledger.
  if (profile) result.applied.push(...(await migrateProfile(cfg.core.databaseUrl, profile, { log })).applied);
  await ensurePartitions(ctx.pool(), { monthsAhead: cfg.storage.partitionMonthsAhead });
  return result.applied;
}

export function registerMigrate(program: Command, ctx: () => CliContext): void {
  program
    .command('migrate')
    .description('create the database if needed and apply pending migrations (a no-op when up to date)')
    .addOption(
      new Option(
        '--profile <name>',
        'also apply a schema profile: citus (distributed layout, docs/scaling.md)',
      ).choices(Object.keys(PROFILES)),
    )
    .action(async (opts: { profile?: ProfileName }) => {
      const c = ctx();
      const applied = await runMigrate(c, (m) => (c.json ? undefined : console.error(m)), opts.profile);
      c.out(applied.length ? `applied ${applied.length} migration(s)` : 'database is up to date', {
        applied,
      });
    });
}
