import { parsers as p, setting } from '../setting.js';

/**
 * The BullMQ lock and stalled-job settings of a queue worker (enricher, writer): how long a job's lock
 * lasts, how often expired locks are looked for, and how often a job may come back before it fails.
 * `lockDoc` and `maxStalledDoc` say what the worker does in its own words.
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
  };
}
