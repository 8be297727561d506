import type { WriterMetrics } from '@beacon/observability';
import type { WriterObserver } from './observer.js';

/** The writer's metrics (packages/observability service-metrics.ts) fed by the loader's observations. */
export function metricsObserver(m: WriterMetrics): WriterObserver {
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
