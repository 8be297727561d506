export { createPool, type PoolOptions, type Pool, type PoolClient } from './pool.js';
export {
  migrate,
  ensureDatabase,
  readMigrations,
  MIGRATIONS_DIR,
  MigrationError,
  type Migration,
} from './migrate.js';
export { migrateProfile, PROFILES, CITUS_LOCAL_TABLES, type ProfileName } from './profiles.js';
export { ensurePartitions, listPartitions, type PartitionInfo } from './partitions.js';
export { runRetention, monthsBefore, type RetentionOptions, type RetentionReport } from './retention.js';
export { isRetryablePgError, isUniqueViolation, RETRYABLE_SQLSTATES } from './errors.js';
export { csvFormatter, csvLine, neutralizeFormulas, type CsvField } from './csv.js';
export { inTransaction } from './transaction.js';
export { prepared } from './prepared.js';
export { columnsOf } from './columns.js';
export * as adminSql from './sql/admin.js';
export * as retentionSql from './sql/retention.js';
export * as companiesSql from './sql/companies.js';
export * as deadLetterSql from './sql/dead-letters.js';
export {
  applyWriterRollups,
  forgetRollupCoverage,
  rebuildRollups,
  verifyRollups,
  type VerifyReport,
  type RollupApplyResult,
  type RebuildOptions,
  type RebuildReport,
} from './rollups.js';
export * as rollupSql from './sql/rollups.js';
export * as statisticsSql from './sql/statistics.js';
export {
  compactBefore,
  compactHours,
  freezeDays,
  freezeRecentDays,
  freezeSiteDays,
  hasSketches,
  forgetSketchCache,
  type DaysReport,
} from './rollup-days.js';
export * as rollupDaysSql from './sql/rollup-days.js';
export { INTERNAL_EVENTS, countedEvent, customEvent } from './sql/event-kinds.js';
export * from './privacy/index.js';
export * as privacySql from './sql/privacy.js';
export { recordAudit, purgeAudit, AUDIT_ACTOR_TYPES, type AuditActor, type AuditEntry } from './audit.js';
export * as auditSql from './sql/audit.js';
export { CountTally } from './tally.js';
export { recordDeadLetters, type DeadLetter } from './dead-letters.js';
export * as ingestHealthSql from './sql/ingest-health.js';
export * as ingestTokenSql from './sql/ingest-tokens.js';
export { INGEST_TOKEN_RE, hashIngestToken, newIngestToken, type IngestTokenRow } from './ingest-tokens.js';
export {
  HealthTally,
  purgeHealth,
  receiptHour,
  writeHealthCounts,
  writeJobHealthCounts,
  type HealthOutcome,
} from './ingest-health.js';
