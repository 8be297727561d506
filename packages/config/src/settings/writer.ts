import { parsers as p, setting } from '../setting.js';
import { metricsPort } from './listener.js';
import { stalledJobs } from './stalled-jobs.js';

/** Queue worker bulk-loading enriched events into PostgreSQL. */
export const writer = {
  metricsPort: metricsPort({ prefix: 'WRITER', port: 9102, name: 'writer' }),
  batchMaxRows: setting('WRITER_BATCH_MAX_ROWS', p.int(1, 1_000_000), 5_000)`
    A batch (one transaction) closes once it holds this many event rows. Bigger batches cost less per row;
    smaller ones commit sooner.`,
  batchMaxWaitMs: setting('WRITER_BATCH_MAX_WAIT_MS', p.int(0, 60_000), 100)`
    A batch closes this many ms after its first job even when it is not full (bounds how stale the dashboards
    are; under load batches fill by rows first).`,
  concurrency: setting('WRITER_CONCURRENCY', p.int(1, 16), 2)`
    Batches written at the same time, each on its own connection (one COPY saturates one PostgreSQL core).`,
  ...stalledJobs({
    prefix: 'WRITER',
    name: 'writer',
    jobs: 'jobs',
    lockDoc:
      'Lock of a job the writer holds; renewed every third of this while it works. After a crash the jobs return to the queue once it expires (docs/operations.md: recovery after a crash).',
    maxStalledDoc:
      'Times a job may come back from a dead holder before BullMQ fails it (a job that crashes every writer); its rows then go to dead_events with the reason.',
  }),
  retryBaseMs: setting('WRITER_RETRY_BASE_MS', p.int(10, 60_000), 250)`
    First back-off when PostgreSQL or Redis is unreachable; doubles per failure (capped by
    WRITER_RETRY_MAX_MS), with random jitter.`,
  retryMaxMs: setting('WRITER_RETRY_MAX_MS', p.int(100, 600_000), 10_000)`
    Longest back-off between retries of a batch.`,
  shutdownTimeoutMs: setting('WRITER_SHUTDOWN_TIMEOUT_MS', p.int(0, 600_000), 20_000)`
    On SIGTERM, time given to batches in flight to commit; keep it below the container grace period (jobs not
    finished return to the queue when their lock expires).`,
  partitionUpkeepIntervalMs: setting(
    'WRITER_PARTITION_UPKEEP_INTERVAL_MS',
    p.int(60_000, 2_147_483_647),
    86_400_000,
  )`
    How often the writer ensures the monthly partitions ahead (also at start; one writer at a time, advisory
    lock).`,
  retentionIntervalMs: setting('WRITER_RETENTION_INTERVAL_MS', p.int(0, 2_147_483_647), 86_400_000)`
    How often the writer applies retention (0 = never; run \`beacon retention run\` instead). Same advisory
    lock.`,
};
