import type { Job, Queue } from 'bullmq';
import type { RedisClient } from './redis.js';

export interface FailedJobSweeperOptions {
  queue: Queue;
  /** For the per-job claim (several replicas sweep the same queue). */
  redis: RedisClient;
  /**
   * Stores the dead letters of a job that failed for good (its data and job.failedReason); resolves
   * with how many it stored. Throwing keeps the job in `failed` for the next sweep.
   */
  record: (job: Job) => Promise<number>;
  intervalMs: number;
  onSwept?: (job: Job, deadLetters: number) => void;
  onError?: (err: Error) => void;
}

/** Failed jobs read per sweep (more wait for the next one, which comes at once while some are left). */
const PAGE = 100;
/** How long one replica owns a failed job while recording it. */
const CLAIM_MS = 60_000;

/**
 * Moves jobs that failed for good (attempts used up, an unrecoverable error, or stalled more than
 * maxStalledCount times: BullMQ puts all three in `failed`) into dead letters, so that nothing a
 * client got a 202 for ends in a Redis list nobody reads. Each job is recorded first and removed from
 * Redis after, so a crash in between records it again (dead letters count repeats, they do not
 * duplicate); a short Redis claim keeps two replicas from recording the same job at once. Runs every
 * `intervalMs` (jobs failed by another process, e.g. its stalled check) and on `trigger()`.
 */
export class FailedJobSweeper {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private again = false;
  private closed = false;

  constructor(private readonly opts: FailedJobSweeperOptions) {}

  start(): void {
    this.timer = setInterval(() => this.trigger(), this.opts.intervalMs);
    this.timer.unref();
    this.trigger();
  }

  /** Sweeps soon (a sweep in progress runs once more when it ends). */
  trigger(): void {
    if (this.closed) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = (async () => {
      do {
        this.again = false;
        try {
          const { seen, swept } = await this.sweepOnce();
          if (seen === PAGE && swept > 0) this.again = true; // more may wait (not when all fail)
        } catch (err) {
          this.opts.onError?.(err as Error);
        }
      } while (this.again && !this.closed);
    })().finally(() => (this.running = undefined));
  }

  /** One pass over (up to PAGE) failed jobs: how many it looked at, how many it moved. */
  async sweepOnce(): Promise<{ seen: number; swept: number }> {
    const { queue, redis } = this.opts;
    const jobs = (await queue.getFailed(0, PAGE - 1)).filter((j): j is Job => Boolean(j?.id));
    let swept = 0;
    for (const job of jobs) {
      if (this.closed) break;
      const claim = `${queue.qualifiedName}:dead-letter-claim:${job.id}`;
      if ((await redis.set(claim, '1', 'PX', CLAIM_MS, 'NX')) !== 'OK') continue;
      try {
        const n = await this.opts.record(job);
        await job.remove();
        swept++;
        this.opts.onSwept?.(job, n);
      } catch (err) {
        this.opts.onError?.(err as Error);
      } finally {
        await redis.del(claim).catch(() => undefined);
      }
    }
    return { seen: jobs.length, swept };
  }

  async close(): Promise<void> {
    this.closed = true;
    clearInterval(this.timer);
    await this.running;
  }
}

/** Why a job failed for good, for its dead letters. */
export function failedJobReason(job: Job): string {
  const stalls = job.stalledCounter ? `, ${job.stalledCounter} stall(s)` : '';
  return `job ${job.id} of ${job.queueName} failed for good after ${job.attemptsMade} attempt(s)${stalls}: ${job.failedReason ?? 'no reason recorded'}`;
}
