import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { WriterObserver } from './observer.js';

/** The writer's metrics (names from the shared catalogue); help texts say what healthy looks like. */
function defineMetrics(registry: Registry) {
  const rows = new Counter({
    name: 'beacon_writer_rows_total',
    help: 'Event rows inserted into events. Healthy: grows with traffic; flat while the events queue has waiting jobs means the writer is stuck.',
    registers: [registry],
  });
  const conflicts = new Counter({
    name: 'beacon_writer_conflicts_total',
    help: 'Rows skipped because events already had them (re-delivered jobs after a crash or lock loss). Healthy: near 0, bursts after restarts.',
    registers: [registry],
  });
  const batches = new Counter({
    name: 'beacon_writer_batches_total',
    help: 'Batches by outcome: committed, split (poison rows isolated), retried (PostgreSQL/Redis error, jobs kept). Healthy: almost all committed.',
    labelNames: ['outcome'],
    registers: [registry],
  });
  const batchRows = new Histogram({
    name: 'beacon_writer_batch_rows',
    help: 'Rows per batch. Healthy: near WRITER_BATCH_MAX_ROWS under load (small batches under load mean the writer is not keeping up with fetching).',
    buckets: [1, 10, 50, 100, 250, 500, 1000, 2500, 5000, 10000, 25000],
    registers: [registry],
  });
  const batchDuration = new Histogram({
    name: 'beacon_writer_batch_duration_seconds',
    help: 'Time to store one batch (transaction start to commit, splits included). Healthy: well under 1 s.',
    buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [registry],
  });
  const dead = new Counter({
    name: 'beacon_writer_dead_letters_total',
    help: 'Rows PostgreSQL refused, stored in dead_events, by SQLSTATE. Healthy: 0; see `beacon dead-letters list`.',
    labelNames: ['sqlstate'],
    registers: [registry],
  });
  const retried = new Counter({
    name: 'beacon_writer_jobs_retried_total',
    help: 'Jobs handled again: their batch failed on PostgreSQL/Redis and was retried, or they came back from a dead holder (stalled). Healthy: 0 outside outages and restarts.',
    registers: [registry],
  });
  const sessionConflicts = new Counter({
    name: 'beacon_writer_session_conflicts_total',
    help: "Events stored whose session_id already belongs to another site (that site's session left untouched). Healthy: 0; growth means colliding or forged session ids.",
    registers: [registry],
  });
  const freshness = new Histogram({
    name: 'beacon_writer_freshness_seconds',
    help: 'Time from server_timestamp (collector receipt) to the commit that stored the event: the delay dashboard users see. Healthy: p95 under a few seconds.',
    buckets: [0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 300, 3600],
    registers: [registry],
  });
  const failedJobs = new Counter({
    name: 'beacon_writer_invalid_jobs_total',
    help: 'Jobs failed because their payload is not an events job (kept in the failed set of the queue). Healthy: 0.',
    registers: [registry],
  });
  const backingOff = new Gauge({
    name: 'beacon_writer_backing_off',
    help: '1 while the writer waits for PostgreSQL or Redis to come back (jobs stay in Redis). Healthy: 0.',
    registers: [registry],
  });
  batches.inc({ outcome: 'committed' }, 0);
  return {
    rows,
    conflicts,
    batches,
    batchRows,
    batchDuration,
    dead,
    retried,
    sessionConflicts,
    freshness,
    failedJobs,
    backingOff,
  };
}

/** The writer's metrics fed by the loader's observations. */
export function writerMetrics(registry: Registry): WriterObserver {
  const m = defineMetrics(registry);
  return {
    batchCommitted(o) {
      m.rows.inc(o.inserted);
      m.conflicts.inc(o.skipped);
      m.batches.inc({ outcome: o.splits > 0 ? 'split' : 'committed' });
      m.batchRows.observe(o.rows);
      m.batchDuration.observe(o.seconds);
      for (const d of o.dead) m.dead.inc({ sqlstate: d.sqlstate });
      if (o.sessionConflicts) m.sessionConflicts.inc(o.sessionConflicts);
      const now = o.committedAt;
      for (const ts of o.serverTimestamps)
        if (Number.isFinite(ts)) m.freshness.observe(Math.max(0, (now - ts) / 1000));
    },
    batchRetried(o) {
      m.batches.inc({ outcome: 'retried' });
      m.retried.inc(o.jobs);
    },
    jobsStalled(n) {
      m.retried.inc(n);
    },
    jobInvalid() {
      m.failedJobs.inc();
    },
    backingOff(on) {
      m.backingOff.set(on ? 1 : 0);
    },
  };
}
