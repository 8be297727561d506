import type { Job, Queue } from 'bullmq';
import type pg from 'pg';
import type { Logger, WriterMetrics } from '@beacon/observability';
import { failedJobReason, FailedJobSweeper, QUEUE_EVENTS, type RedisClient } from '@beacon/queue';
import { parseEventsJob } from './job.js';
import { recordFailedRows } from './store.js';

/** How often failed events jobs are looked for besides this worker's own 'failed' events. */
const FAILED_SWEEP_INTERVAL_MS = 30_000;

/**
 * The dead letters of an events job that failed for good (FailedJobSweeper's `record`): its rows, as
 * `beacon dead-letters replay` re-queues them; a job that is not an events job is kept whole.
 */
export async function recordFailedEventsJob(pool: pg.Pool, job: Job): Promise<number> {
  const parsed = parseEventsJob(job.data);
  const rows = parsed.success ? parsed.data.rows : [{ job: job.data ?? null, job_id: String(job.id) }];
  return recordFailedRows(pool, rows, failedJobReason(job));
}

/**
 * Jobs that fail for good (not an events job, or back from a dead holder more than
 * WRITER_MAX_STALLED_COUNT times) go to dead_events with the reason, never stay in Redis unread.
 */
export function failedEventsJobSweeper(
  deps: { pool: pg.Pool; queue: Queue; redis: RedisClient; deadJobs: WriterMetrics['deadJobs'] },
  log: Logger,
): FailedJobSweeper {
  return new FailedJobSweeper({
    queue: deps.queue,
    redis: deps.redis,
    intervalMs: FAILED_SWEEP_INTERVAL_MS,
    record: (job) => recordFailedEventsJob(deps.pool, job),
    onSwept: (job, rows) => {
      deps.deadJobs.inc({ queue: QUEUE_EVENTS });
      log.error(
        { jobId: job.id, rows, reason: job.failedReason },
        'events job failed for good: its rows are in dead_events',
      );
    },
    onError: (err) => log.warn({ err }, 'moving failed events jobs to dead_events failed; will retry'),
  });
}
