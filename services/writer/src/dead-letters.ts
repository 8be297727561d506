import type { Job } from 'bullmq';
import type pg from 'pg';
import { failedJobReason } from '@beacon/queue';
import { parseEventsJob } from './job.js';
import { recordFailedRows } from './store.js';

/**
 * The dead letters of an events job that failed for good (FailedJobSweeper's `record`): its rows, as
 * `beacon dead-letters replay` re-queues them; a job that is not an events job is kept whole.
 */
export async function recordFailedEventsJob(pool: pg.Pool, job: Job): Promise<number> {
  const parsed = parseEventsJob(job.data);
  const rows = parsed.success ? parsed.data.rows : [{ job: job.data ?? null, job_id: String(job.id) }];
  return recordFailedRows(pool, rows, failedJobReason(job));
}
