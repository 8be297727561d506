import type { Command } from 'commander';
import { ensurePartitions, listPartitions, runRetention } from '@beacon/db';
import type { CliContext } from '../context.js';

export function registerStorage(program: Command, ctx: () => CliContext): void {
  const partitions = program.command('partitions').description('monthly partitions of events');
  partitions
    .command('ensure')
    .description('create the partitions of this month and PARTITION_MONTHS_AHEAD months ahead')
    .option('--months-ahead <n>', 'override PARTITION_MONTHS_AHEAD', (v) => Number(v))
    .action(async (opts: { monthsAhead?: number }) => {
      const c = ctx();
      const created = await ensurePartitions(c.pool(), {
        monthsAhead: opts.monthsAhead ?? c.config().storage.partitionMonthsAhead,
      });
      const all = await listPartitions(c.pool());
      c.out(
        `${created.length ? `created ${created.join(', ')}` : 'nothing to create'}; partitions: ${all.map((p) => p.name).join(', ')}`,
        { created, partitions: all },
      );
    });

  const retention = program.command('retention').description('data retention');
  retention
    .command('run')
    .description(
      'drop partitions past the longest retention, delete rows of agencies and sites that keep less',
    )
    .option('--dry-run', 'only report what would be removed')
    .action(async (opts: { dryRun?: boolean }) => {
      const c = ctx();
      const cfg = c.config();
      const report = await runRetention(c.pool(), {
        defaultMonths: cfg.storage.retentionMonthsDefault,
        batchSize: cfg.storage.retentionDeleteBatch,
        auditLogDays: cfg.dataRights.auditLogRetentionDays,
        ingestHealthDays: cfg.intake.healthRetentionDays,
        dryRun: opts.dryRun ?? false,
        log: (m) => (c.json ? undefined : console.error(m)),
      });
      const verb = report.dryRun ? 'would remove' : 'removed';
      c.out(
        `${verb} ${report.droppedPartitions.length} partition(s), ${report.deletedEvents} event row(s), ${report.deletedSessions} session(s), ${report.deletedAuditEntries} audit log entr(ies), ${report.deletedHealthRows} ingestion health row(s)`,
        report,
      );
    });
}
