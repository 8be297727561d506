import type { Queue } from 'bullmq';
import type { Logger } from '@beacon/observability';
import type { RawJob, RawRequest } from '@beacon/schema';
import { addRawJob, type RedisClient } from '@beacon/queue';
import { UnavailableError } from './errors.js';
import type { CollectorMetrics } from '@beacon/observability';

export interface BatcherOptions {
  /** Micro-batch window in ms (0 = one job per request). */
  waitMs: number;
  /** A micro-batch is sent as soon as it holds this many hits. */
  maxHits: number;
  /** Hits in memory (batch + jobs in flight) above which new requests get 503. */
  maxPendingHits: number;
  /** A request waiting longer than this for Redis gets 503. */
  timeoutMs: number;
  /**
   * Jobs being added at once before new hits wait for one of them (adaptive batching: at low load a
   * request is sent at once; under load hits gather while the adds in flight are answered).
   */
  concurrency: number;
  /** Waiting jobs in the queue above which new requests get 503. */
  queueMaxJobs: number;
  /** Period of the queue depth check. */
  checkMs: number;
}

interface Waiter {
  request: RawRequest;
  resolve: () => void;
  reject: (err: Error) => void;
}

/**
 * Collects the stamped hits of requests arriving within `waitMs` into one `hits` job (one Redis round
 * trip for many requests: DESIGN.md "Jobs carry batches"). Each request's promise resolves only when
 * Redis has acknowledged the job holding its hits, so a 202 means "in Redis". Fails fast with
 * UnavailableError when Redis is not connected, the queue is deeper than allowed, too many hits are
 * already waiting, or Redis does not answer within `timeoutMs`.
 */
export class MicroBatcher {
  private batch: Waiter[] = [];
  private batchHits = 0;
  private timer: NodeJS.Timeout | undefined;
  private immediate: NodeJS.Immediate | undefined;
  private addsInFlight = 0;
  /** Set when an add outlived timeoutMs; cleared when any add settles. New requests get 503 at once meanwhile. */
  private stalled = false;
  private pendingHits = 0;
  private readonly inflight = new Set<Promise<void>>();
  private waitingJobs = 0;
  private readonly depthTimer: NodeJS.Timeout;
  private closed = false;

  constructor(
    private readonly queue: Queue<RawJob>,
    private readonly redis: RedisClient,
    private readonly opts: BatcherOptions,
    private readonly metrics: CollectorMetrics,
    private readonly logger: Logger,
  ) {
    this.depthTimer = setInterval(() => void this.checkDepth(), opts.checkMs);
    this.depthTimer.unref();
    if (redis.status === 'ready') void this.checkDepth();
    else redis.once('ready', () => void this.checkDepth());
  }

  /** Resolves when Redis holds the request's hits; rejects with UnavailableError otherwise. */
  add(request: RawRequest): Promise<void> {
    const n = request.hits.length;
    if (this.closed)
      return Promise.reject(new UnavailableError('shutting_down', 'the collector is shutting down'));
    if (this.redis.status !== 'ready') {
      return Promise.reject(new UnavailableError('redis_down', 'the queue store (Redis) is not reachable'));
    }
    if (this.stalled && this.addsInFlight > 0) {
      return Promise.reject(
        new UnavailableError('redis_timeout', 'the queue store (Redis) is not answering'),
      );
    }
    if (this.waitingJobs > this.opts.queueMaxJobs) {
      return Promise.reject(
        new UnavailableError('queue_full', 'the hits queue is over its limit; processing is behind'),
      );
    }
    if (this.pendingHits + n > this.opts.maxPendingHits) {
      return Promise.reject(
        new UnavailableError('overloaded', 'too many hits are waiting for the queue store'),
      );
    }
    return new Promise<void>((resolve, reject) => {
      if (this.batchHits > 0 && this.batchHits + n > this.opts.maxHits) this.flush();
      this.batch.push({ request, resolve, reject });
      this.batchHits += n;
      this.pendingHits += n;
      this.metrics.pendingHits.set(this.pendingHits);
      if (this.batchHits >= this.opts.maxHits || this.opts.waitMs === 0) this.flush();
      else {
        // The window bounds the wait when Redis is slow; a free add slot sends sooner (next turn of
        // the event loop, so requests parsed in the same turn share the job).
        this.timer ??= setTimeout(() => this.flush(), this.opts.waitMs);
        if (this.addsInFlight < this.opts.concurrency) this.scheduleFlush();
      }
    });
  }

  private scheduleFlush(): void {
    this.immediate ??= setImmediate(() => {
      this.immediate = undefined;
      this.flush();
    });
  }

  /** Sends the current micro-batch as one job. */
  flush(): void {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    if (this.immediate) {
      clearImmediate(this.immediate);
      this.immediate = undefined;
    }
    const waiters = this.batch;
    const hits = this.batchHits;
    if (waiters.length === 0) return;
    this.batch = [];
    this.batchHits = 0;
    const job: RawJob = { type: 'raw', v: 1, requests: waiters.map((w) => w.request) };
    // Stable id per batch: the UUIDv7 of its first hit (a retried add of the same job is ignored by BullMQ).
    const jobId = job.requests[0]!.hits[0]!.id;
    const started = performance.now();
    let settled = false;
    const settle = (err?: Error) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      for (const w of waiters) {
        if (err) w.reject(err);
        else w.resolve();
      }
    };
    const timer: NodeJS.Timeout = setTimeout(() => {
      this.stalled = true;
      settle(
        new UnavailableError(
          'redis_timeout',
          `the queue store (Redis) did not answer within ${this.opts.timeoutMs} ms`,
        ),
      );
    }, this.opts.timeoutMs);
    const p = addRawJob(this.queue, job, jobId).then(
      () => {
        this.metrics.enqueueDuration.observe((performance.now() - started) / 1000);
        this.metrics.jobHits.observe(hits);
        if (settled)
          this.logger.warn({ jobId, hits }, 'job reached Redis after its requests were answered 503');
        settle();
      },
      (err: Error) => {
        this.logger.warn({ err, jobId, hits }, 'adding a hits job failed');
        settle(new UnavailableError('redis_down', 'the queue store (Redis) refused the hits; retry later'));
      },
    );
    this.addsInFlight++;
    const tracked: Promise<void> = p.finally(() => {
      this.addsInFlight--;
      this.stalled = false;
      this.pendingHits -= hits;
      this.metrics.pendingHits.set(this.pendingHits);
      this.inflight.delete(tracked);
      // Hits that gathered while this add was in flight go next.
      if (this.batchHits > 0 && !this.closed) this.scheduleFlush();
    });
    this.inflight.add(tracked);
  }

  private async checkDepth(): Promise<void> {
    if (this.redis.status !== 'ready') return;
    try {
      // Backpressure only; beacon_queue_jobs is read at scrape time (queueDepthGauge).
      const counts = await this.queue.getJobCounts('waiting', 'prioritized');
      this.waitingJobs = (counts.waiting ?? 0) + (counts.prioritized ?? 0);
    } catch (err) {
      this.logger.debug({ err }, 'queue depth check failed');
    }
  }

  /** Stops taking requests, sends the open micro-batch and waits for every job in flight. */
  async drain(): Promise<void> {
    this.closed = true;
    clearInterval(this.depthTimer);
    this.flush();
    await Promise.allSettled([...this.inflight]);
  }
}
