import type pg from 'pg';
import { purgeAudit } from './audit.js';
import { purgeHealth } from './ingest-health.js';
import { anonymizeRollupsBefore } from './privacy/anonymize-rollups.js';
import { compactBefore } from './rollup-days.js';
import { purgeFinishedErasures } from './sql/privacy.js';
import * as sql from './sql/retention.js';

export interface RetentionOptions {
  /** Months kept for agencies without their own `retention_months`. */
  defaultMonths: number;
  /** Rows per DELETE statement. */
  batchSize: number;
  /** Days audit log entries (and finished erasure requests) are kept; undefined keeps them. */
  auditLogDays?: number;
  /** Days ingestion_health hours are kept (INGEST_HEALTH_RETENTION_DAYS); undefined keeps them. */
  ingestHealthDays?: number;
  dryRun?: boolean;
  now?: Date;
  log?: (msg: string) => void;
}

export interface RetentionReport {
  dryRun: boolean;
  /** Longest retention of any agency: partitions wholly older than this are dropped. */
  longestMonths: number;
  droppedPartitions: { name: string; rows: number }[];
  /** Rows past their agency's or site's (shorter) retention, deleted or (dry run) to delete. */
  deletedEvents: number;
  deletedSessions: number;
  /** Local days whose hourly per-session rollups were folded into rollup_days (no dry run). */
  compactedDays: number;
  /** One entry per agency and retention in force: sites with their own shorter one get their own entry. */
  agencies: { agencyId: string; months: number; scriptIds: string[]; events: number; sessions: number }[];
  /** Audit log entries past AUDIT_LOG_RETENTION_DAYS, deleted or (dry run) to delete. */
  deletedAuditEntries: number;
  /** ingestion_health rows of hours past INGEST_HEALTH_RETENTION_DAYS, deleted or (dry run) to delete. */
  deletedHealthRows: number;
  /** Site months of rollups past their agency's retention re-keyed (or, dry run, to re-key). */
  anonymizedRollupMonths: { siteId: string; month: string }[];
}

/** Subtracts whole calendar months, as PostgreSQL's `- interval 'N months'` does. */
export function monthsBefore(now: Date, months: number): Date {
  const d = new Date(now.getTime());
  const day = d.getUTCDate();
  d.setUTCDate(1);
  d.setUTCMonth(d.getUTCMonth() - months);
  const lastDay = new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 0)).getUTCDate();
  d.setUTCDate(Math.min(day, lastDay));
  return d;
}

/**
 * Applies retention: drops monthly partitions of events wholly older than the longest retention of
 * any agency (cheap, no row-by-row delete, no bloat), then deletes in bounded batches the events and
 * sessions of agencies that keep less, and of sites whose own retention_months is shorter than their
 * agency's. The longest retention is applied at month granularity: a
 * month goes once all of it is past the cutoff, so its data stays between N and N+1 months. Sessions
 * (not partitioned) follow each agency's cutoff exactly.
 */
export async function runRetention(pool: pg.Pool, opts: RetentionOptions): Promise<RetentionReport> {
  const now = opts.now ?? new Date();
  const { rows: agencies } = await pool.query<AgencyRetention>(sql.agencyRetention, [opts.defaultMonths]);
  const longestMonths = Math.max(opts.defaultMonths, ...agencies.map((a) => a.months));
  const report: RetentionReport = {
    dryRun: opts.dryRun ?? false,
    longestMonths,
    droppedPartitions: [],
    deletedEvents: 0,
    deletedSessions: 0,
    compactedDays: 0,
    agencies: [],
    deletedAuditEntries: 0,
    deletedHealthRows: 0,
    anonymizedRollupMonths: [],
  };
  await dropOldPartitions(pool, opts, report, monthsBefore(now, longestMonths));
  for (const a of agencies) await applyAgencyRetention(pool, opts, report, a, monthsBefore(now, a.months));
  if (opts.auditLogDays !== undefined) {
    const cutoff = new Date(now.getTime() - opts.auditLogDays * 86_400_000);
    report.deletedAuditEntries = await purgeAudit(pool, cutoff, opts.batchSize, report.dryRun);
    if (!report.dryRun) await pool.query(purgeFinishedErasures, [cutoff]);
    if (report.deletedAuditEntries)
      log(opts)(
        `${report.dryRun ? 'would delete' : 'deleted'} ${report.deletedAuditEntries} audit log entries`,
      );
  }
  if (opts.ingestHealthDays !== undefined) await purgeIngestHealth(pool, opts, report, now);
  return report;
}

/** ingestion_health hours older than ingestHealthDays (counts, not personal data: kept by days, not months). */
async function purgeIngestHealth(
  pool: pg.Pool,
  opts: RetentionOptions,
  report: RetentionReport,
  now: Date,
): Promise<void> {
  const cutoff = new Date(now.getTime() - opts.ingestHealthDays! * 86_400_000);
  report.deletedHealthRows = await purgeHealth(pool, cutoff, opts.batchSize, { dryRun: report.dryRun, now });
  if (report.deletedHealthRows)
    log(opts)(
      `${report.dryRun ? 'would delete' : 'deleted'} ${report.deletedHealthRows} ingestion health rows`,
    );
}

interface AgencyRetention {
  agency_id: string;
  months: number;
  script_ids: string[];
}

const log = (opts: RetentionOptions) => opts.log ?? (() => undefined);

/** Partitions wholly older than the longest retention go whole; the default partition's rows by cutoff. */
async function dropOldPartitions(
  pool: pg.Pool,
  opts: RetentionOptions,
  report: RetentionReport,
  cutoff: Date,
): Promise<void> {
  const { dryRun } = report;
  const { rows: old } = await pool.query<{ name: string }>(sql.partitionsBefore, [cutoff]);
  for (const p of old) {
    const { rows } = await pool.query<{ n: number }>(sql.countPartition(p.name));
    const n = Number(rows[0]!.n);
    if (!dryRun) await pool.query(sql.dropPartition(p.name));
    report.droppedPartitions.push({ name: p.name, rows: n });
    log(opts)(`${dryRun ? 'would drop' : 'dropped'} partition ${p.name} (${n} rows)`);
  }
  // Rows that sit in the default partition (a month that had no partition) follow the same cutoff.
  report.deletedEvents += await deleteOrCount(pool, null, cutoff, opts.batchSize, dryRun, 'events_default');
}

/**
 * One agency's (or shorter-retention site's) rows past its cutoff: events (when it keeps less than
 * the longest retention; older partitions are gone already), sessions, and its rollups' per-person keys.
 */
async function applyAgencyRetention(
  pool: pg.Pool,
  opts: RetentionOptions,
  report: RetentionReport,
  a: AgencyRetention,
  cutoff: Date,
): Promise<void> {
  const { dryRun } = report;
  const entry = { agencyId: a.agency_id, months: a.months, scriptIds: a.script_ids, events: 0, sessions: 0 };
  if (a.script_ids.length > 0) {
    if (a.months < report.longestMonths)
      entry.events = await deleteOrCount(pool, a.script_ids, cutoff, opts.batchSize, dryRun, 'events');
    entry.sessions = await deleteOrCount(pool, a.script_ids, cutoff, opts.batchSize, dryRun, 'sessions');
  }
  // Rollups past the cut-off keep no per-person key: their hours are folded into rollup_days.
  if (!dryRun)
    for (const site of a.script_ids) {
      const c = await compactBefore(pool, site, cutoff);
      if (c) report.compactedDays += daysBetween(c.fromDay, c.toDay);
    }
  // What compaction left (none of the compacted days; a dry run) is re-keyed.
  // Rollups outlive the events: past the cutoff they keep their counts but lose the per-person keys.
  for (const m of await anonymizeRollupsBefore(pool, a.script_ids, cutoff, dryRun)) {
    report.anonymizedRollupMonths.push({ siteId: m.siteId, month: m.month.toISOString() });
    log(opts)(
      `${dryRun ? 'would anonymize' : 'anonymized'} rollups of ${m.siteId} ${m.month.toISOString().slice(0, 7)}`,
    );
  }
  report.deletedEvents += entry.events;
  report.deletedSessions += entry.sessions;
  report.agencies.push(entry);
  if (entry.events || entry.sessions)
    log(opts)(
      `agency ${a.agency_id} (${a.months} months, ${a.script_ids.length} sites): ${dryRun ? 'would delete' : 'deleted'} ${entry.events} events, ${entry.sessions} sessions`,
    );
}

const daysBetween = (from: string, to: string) =>
  Math.round((Date.parse(to) - Date.parse(from)) / 86_400_000);

async function deleteOrCount(
  pool: pg.Pool,
  siteIds: string[] | null,
  cutoff: Date,
  batchSize: number,
  dryRun: boolean,
  table: 'events' | 'events_default' | 'sessions',
): Promise<number> {
  const statements = {
    events: { count: sql.countEventsBefore, del: sql.deleteEventsBatch, args: [siteIds, cutoff] },
    events_default: {
      count: sql.countDefaultPartitionBefore,
      del: sql.deleteDefaultPartitionBatch,
      args: [cutoff],
    },
    sessions: { count: sql.countSessionsBefore, del: sql.deleteSessionsBatch, args: [siteIds, cutoff] },
  }[table];
  if (dryRun) {
    const { rows } = await pool.query<{ n: number }>(statements.count, statements.args);
    return Number(rows[0]!.n);
  }
  let total = 0;
  for (;;) {
    const { rowCount } = await pool.query(statements.del, [...statements.args, batchSize]);
    total += rowCount ?? 0;
    if (!rowCount || rowCount < batchSize) return total;
  }
}
