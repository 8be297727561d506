import { deleteInBatches } from './batch-delete.js';
import type { Pool, PoolClient } from './pool.js';
import { CountTally } from './tally.js';
import {
  addHealthCounts,
  addJobHealthCounts,
  countHealthBefore,
  deleteHealthBefore,
  deleteHealthJobsBefore,
} from './sql/ingest-health.js';

/** What happened to a hit (ingestion_health.outcome). */
export type HealthOutcome = 'received' | 'rejected' | 'dropped' | 'dead_lettered' | 'stored';

const HOUR_MS = 3_600_000;
const UUID_V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/i;

/**
 * The hour a hit was received, from its UUIDv7 id (the collector's receipt time in the first 48 bits):
 * every service counts the same hit in the same hour, whatever the event's own timestamp. Ids that are
 * not UUIDv7 (a dead letter's stable id) count in the current hour.
 */
export function receiptHour(id: unknown, now = Date.now()): number {
  let ms = now;
  if (typeof id === 'string' && UUID_V7.test(id)) ms = parseInt(id.slice(0, 8) + id.slice(9, 13), 16);
  return ms - (ms % HOUR_MS);
}

/**
 * Counts by (site, hour, outcome, reason) held in memory and written in one upsert (see CountTally).
 */
export class HealthTally extends CountTally {
  add(siteId: string, hourMs: number, outcome: HealthOutcome, reason = '', n = 1): void {
    if (!siteId) return;
    this.addKey(`${siteId}\t${hourMs}\t${outcome}\t${reason.slice(0, 100)}`, n);
  }

  /** Writes and clears the counts (one statement); on failure they stay for the next flush and it throws. */
  flush(db: Pool | PoolClient): Promise<void> {
    return this.flushWith((counts) => writeHealthCounts(db, counts));
  }
}

/** One upsert for a set of tally keys (see HealthTally). */
export async function writeHealthCounts(db: Pool | PoolClient, counts: Map<string, number>): Promise<void> {
  if (counts.size === 0) return;
  await db.query(addHealthCounts, countArrays(counts));
}

/**
 * A queue job's counts, added once per job id: a retry of a job whose counts were written before its
 * worker died (and never acked it) adds nothing. Returns false when the job was counted already.
 */
export async function writeJobHealthCounts(
  db: Pool | PoolClient,
  jobId: string,
  counts: Map<string, number>,
): Promise<boolean> {
  if (counts.size === 0) return true;
  const { rowCount } = await db.query(addJobHealthCounts, [jobId, ...countArrays(counts)]);
  return (rowCount ?? 0) > 0;
}

/** Tally keys as the parallel arrays of addHealthCounts: site, hour, outcome, reason, count. */
function countArrays(counts: Map<string, number>): [string[], string[], string[], string[], number[]] {
  const site: string[] = [];
  const hour: string[] = [];
  const outcome: string[] = [];
  const reason: string[] = [];
  const n: number[] = [];
  for (const [key, count] of counts) {
    const [s, h, o, r] = key.split('\t') as [string, string, string, string];
    site.push(s);
    hour.push(new Date(Number(h)).toISOString());
    outcome.push(o);
    reason.push(r);
    n.push(count);
  }
  return [site, hour, outcome, reason, n];
}

/** Job markers are kept this long: far past any retry of a job (BullMQ stalls and backoffs are minutes). */
const JOB_MARKER_DAYS = 7;

/**
 * Retention of ingestion_health: hours before `cutoff` go (in bounded batches), and the job markers
 * older than JOB_MARKER_DAYS. Returns the health rows deleted (or, dry run, to delete).
 */
export async function purgeHealth(
  pool: Pool,
  cutoff: Date,
  batchSize: number,
  opts: { dryRun?: boolean; now?: Date } = {},
): Promise<number> {
  if (opts.dryRun) return Number((await pool.query<{ n: string }>(countHealthBefore, [cutoff])).rows[0]!.n);
  const markerCutoff = new Date((opts.now ?? new Date()).getTime() - JOB_MARKER_DAYS * 86_400_000);
  await deleteInBatches(pool, deleteHealthJobsBefore, markerCutoff, batchSize);
  return deleteInBatches(pool, deleteHealthBefore, cutoff, batchSize);
}
