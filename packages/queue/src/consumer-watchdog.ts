import type { Worker } from 'bullmq';
import { connectRedis, type RedisClient, type RedisTarget } from './redis.js';

/**
 * A BullMQ consumer that is replaced when it stops taking jobs while jobs wait.
 *
 * Why: BullMQ leaves reconnection to ioredis, and a worker can stay "running" yet take nothing after a
 * failover: its own watchdog only covers the blocking wait for the next job, not a command that hangs
 * on a socket nobody answers (taskforcesh/bullmq#3088, #3185; the maintainers' advice there is to
 * close the worker and make a new one). Beacon's Redis Cluster failover test stalled that way in 2 of
 * 5 full test runs. A new worker on a new connection gets a fresh socket and slot map; the jobs the
 * old one held come back through the stalled-job check, as after a crash.
 */
export interface Incarnation<W extends Worker> {
  worker: W;
  /** Releases what `make` opened besides the worker (its connection), after the worker closed. */
  release: () => Promise<void>;
}

export interface ConsumerWatchdogOptions<W extends Worker> {
  /** Makes a running worker on a connection of its own (listeners attached). */
  make: () => Incarnation<W>;
  /** Jobs waiting for a consumer; a failure or a hang counts as "some may wait". */
  waiting: () => Promise<number>;
  /** No job started, finished or found missing for this long while jobs wait: the consumer is stuck. */
  stallMs: number;
  /** How often to look (and how long a `waiting` count may take). */
  checkMs: number;
  onRestart?: (info: { idleMs: number; waiting: number | 'unknown' }) => void;
}

/**
 * The watchdog's timing for a service's *_STALL_RESTART_MS (0 = never): the stall it tolerates, and how
 * often it looks (a quarter of that, between 0.5 and 5 s).
 */
export function stallTiming(stallRestartMs: number): { stallMs: number; checkMs: number } {
  return {
    stallMs: stallRestartMs || Number.POSITIVE_INFINITY,
    checkMs: Math.min(5_000, Math.max(500, Math.floor(stallRestartMs / 4) || 5_000)),
  };
}

/**
 * An incarnation on a Redis connection of its own, released after its worker: a replacement never
 * inherits the hung socket of the one before. `build` makes the worker (listeners attached).
 */
export function onOwnConnection<W extends Worker>(
  target: RedisTarget,
  onError: (err: Error) => void,
  build: (connection: RedisClient) => W,
): Incarnation<W> {
  const connection = connectRedis(target, 'worker');
  connection.on('error', onError);
  return { worker: build(connection), release: () => connection.quit().then(() => undefined) };
}

/** Events by which a worker shows it is alive: it took a job, ended one, or found the queue empty. */
const PROGRESS_EVENTS = ['active', 'completed', 'failed', 'drained'] as const;

/** An incarnation with the signal that tells the code using its worker that it was replaced. */
interface Watched<W extends Worker> extends Incarnation<W> {
  retired: AbortController;
}

export class ConsumerWatchdog<W extends Worker> {
  private current: Watched<W>;
  private lastProgress = Date.now();
  private timer: NodeJS.Timeout | undefined;
  private checking = false;
  private closed = false;
  /** Workers replaced so far (a metric and the tests read it). */
  restarts = 0;

  constructor(private readonly opts: ConsumerWatchdogOptions<W>) {
    this.current = this.spawn();
    // Switched off (ENRICHER_/WRITER_STALL_RESTART_MS=0 give an infinite stall): no timer, no Redis reads.
    if (Number.isFinite(opts.stallMs)) {
      this.timer = setInterval(() => void this.check(), opts.checkMs);
      this.timer.unref();
    }
  }

  /** The worker now consuming. */
  get worker(): W {
    return this.current.worker;
  }

  /**
   * Aborted when the current worker is replaced: a consumer that fetches its own jobs (the writer's
   * manual fetch) gives up a fetch that may hang on the old connection and asks `worker` again.
   */
  get retired(): AbortSignal {
    return this.current.retired.signal;
  }

  private spawn(): Watched<W> {
    const incarnation = { ...this.opts.make(), retired: new AbortController() };
    const touch = () => {
      if (this.current === incarnation) this.lastProgress = Date.now();
    };
    for (const event of PROGRESS_EVENTS) incarnation.worker.on(event, touch);
    this.lastProgress = Date.now();
    return incarnation;
  }

  /**
   * Idle time counts from the last sign of life or the last time the queue was seen empty, so a job
   * that arrives after a quiet hour does not look stuck: only one left waiting for `stallMs` does.
   */
  private async check(): Promise<void> {
    if (this.checking || this.closed) return;
    if (Date.now() - this.lastProgress < this.opts.checkMs) return;
    this.checking = true;
    try {
      const waiting = await countWithin(this.opts.waiting, this.opts.checkMs);
      if (this.closed) return;
      if (waiting === 0) {
        this.lastProgress = Date.now();
        return;
      }
      const idleMs = Date.now() - this.lastProgress;
      if (idleMs < this.opts.stallMs) return;
      this.opts.onRestart?.({ idleMs, waiting });
      await this.replace();
    } finally {
      this.checking = false;
    }
  }

  /** Closes the stuck worker without waiting for its jobs (they come back as stalled) and starts anew. */
  private async replace(): Promise<void> {
    const old = this.current;
    this.current = this.spawn();
    this.restarts++;
    old.retired.abort();
    await retire(old);
  }

  /** Stops watching and closes the current worker with `closeWorker` (which may wait for active jobs). */
  async close(closeWorker: (worker: W) => Promise<void>): Promise<void> {
    this.closed = true;
    clearInterval(this.timer);
    this.current.retired.abort();
    await closeWorker(this.current.worker);
    await this.current.release().catch(() => undefined);
  }
}

async function retire<W extends Worker>(incarnation: Incarnation<W>): Promise<void> {
  // A stuck worker's close may itself hang on the dead socket: bounded, then released regardless.
  await Promise.race([
    incarnation.worker.close(true).catch(() => undefined),
    new Promise((r) => setTimeout(r, 5_000).unref()),
  ]);
  await incarnation.release().catch(() => undefined);
}

/** `count()`, or 'unknown' when it fails or takes longer than `ms`. */
async function countWithin(count: () => Promise<number>, ms: number): Promise<number | 'unknown'> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      count(),
      new Promise<'unknown'>((r) => (timer = setTimeout(() => r('unknown'), ms))),
    ]);
  } catch {
    return 'unknown';
  } finally {
    clearTimeout(timer);
  }
}
