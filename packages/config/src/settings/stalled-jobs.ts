import { parsers as p, setting } from '../setting.js';

/**
 * The BullMQ lock and stalled-job settings of a queue worker (enricher, writer): how long a job's lock
 * lasts, how often expired locks are looked for, how often a job may come back before it fails, and
 * when a consumer that takes nothing is replaced. `lockDoc` and `maxStalledDoc` say what the worker
 * does in its own words.
 */
export function stalledJobs(o: {
  prefix: string;
  name: string;
  jobs: string;
  lockDoc: string;
  maxStalledDoc: string;
}) {
  return {
    lockDurationMs: setting(`${o.prefix}_LOCK_DURATION_MS`, p.int(1_000, 600_000), 10_000, o.lockDoc),
    stalledIntervalMs: setting(`${o.prefix}_STALLED_INTERVAL_MS`, p.int(500, 600_000), 5_000)`
      How often the ${o.name} looks for ${o.jobs} whose holder died (expired lock) and puts them back in the
      queue.`,
    maxStalledCount: setting(`${o.prefix}_MAX_STALLED_COUNT`, p.int(1, 1_000_000), 20, o.maxStalledDoc),
    stallRestartMs: setting(`${o.prefix}_STALL_RESTART_MS`, p.int(0, 3_600_000), 30_000)`
      When ${o.jobs} wait and the ${o.name}'s queue consumer shows no progress for this long (a connection left
      hanging after a Redis failover), it is closed and a new one started on a new connection
      (docs/operations.md); 0 = never.`,
  };
}
