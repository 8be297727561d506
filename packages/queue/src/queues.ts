import { Queue, Worker, type Job, type Processor } from 'bullmq';
import { QUEUE_EVENTS, QUEUE_HITS, type EnrichedJob, type RawJob } from '@beacon/schema';
import { queuePrefixFor, type RedisClient } from './redis.js';

/**
 * The two queues of the pipeline, one home for each: name, prefix (hash-tagged on a cluster), job
 * options, the producer's add and the consumer's worker. collector → `hits` → enricher → `events` →
 * writer; `beacon dead-letters replay` produces onto either as their own producers do.
 */

/** Where the queues live: the QUEUE_PREFIX and, on a cluster, its seed nodes (config.core has both). */
export interface QueueSettings {
  queuePrefix: string;
  redisClusterNodes?: readonly string[];
}

export type QueueName = typeof QUEUE_HITS | typeof QUEUE_EVENTS;

/**
 * Options of every raw job. The enricher retries a failed raw job (PostgreSQL or Redis briefly down)
 * with backoff; completed jobs are removed (the events are in the next queue by then).
 */
export const RAW_JOB_OPTIONS = {
  attempts: 10,
  backoff: { type: 'exponential', delay: 1000 },
  removeOnComplete: true,
  removeOnFail: { age: 7 * 24 * 3600 },
} as const;

/**
 * Options of every events job. Removed once the writer has committed it: production Redis runs with
 * noeviction, so completed jobs kept "for a while" are memory that only grows with traffic. A retry of
 * the raw job while the events job still waits re-adds a job id BullMQ knows (ignored); a retry after
 * completion adds a new job whose rows the writer finds stored by primary key and skips (exactly once
 * does not depend on keeping completed jobs: services/writer/README.md "Exactly once").
 */
export const EVENTS_JOB_OPTIONS = {
  attempts: 10,
  backoff: { type: 'exponential', delay: 1_000 },
  removeOnComplete: true,
  removeOnFail: false,
} as const;

/** A queue of the pipeline on `connection`, with its prefix. Errors surface on the calls (and readiness). */
function openQueue<T>(settings: QueueSettings, name: QueueName, connection: RedisClient): Queue<T> {
  const queue = new Queue<T>(name, { connection, prefix: queuePrefixFor(settings, name) });
  queue.on('error', () => undefined);
  return queue;
}

export const openHitsQueue = (settings: QueueSettings, connection: RedisClient) =>
  openQueue<RawJob>(settings, QUEUE_HITS, connection);
export const openEventsQueue = (settings: QueueSettings, connection: RedisClient) =>
  openQueue<EnrichedJob>(settings, QUEUE_EVENTS, connection);

/** Adds one raw job (a collector micro-batch, or replayed dead hits); a repeated `jobId` is ignored. */
export function addRawJob(queue: Queue<RawJob>, job: RawJob, jobId: string): Promise<Job<RawJob>> {
  return queue.add('raw', job, { ...RAW_JOB_OPTIONS, jobId });
}

/** Adds one events job (an enriched raw job, or replayed dead rows); a repeated `jobId` is ignored. */
export function addEventsJob(
  queue: Queue<EnrichedJob>,
  job: EnrichedJob,
  jobId: string,
): Promise<Job<EnrichedJob>> {
  return queue.add('events', job, { ...EVENTS_JOB_OPTIONS, jobId });
}

/** How a consumer holds its jobs (ENRICHER_* / WRITER_* lock settings). */
export interface ConsumerLocks {
  /**
   * Short locks, renewed while a job runs, so a killed holder's jobs come back within about
   * lockDuration + stalledInterval (docs/operations.md).
   */
  lockDurationMs: number;
  stalledIntervalMs: number;
  /** Returns from a dead holder after which a job fails for good (and is dead-lettered). */
  maxStalledCount: number;
}

/** The enricher's consumer of `hits`: `concurrency` raw jobs at once through `processor`. */
export function hitsWorker<R>(
  settings: QueueSettings,
  connection: RedisClient,
  processor: Processor<RawJob, R>,
  opts: ConsumerLocks & { concurrency: number },
): Worker<RawJob, R> {
  return new Worker<RawJob, R>(QUEUE_HITS, processor, {
    connection,
    prefix: queuePrefixFor(settings, QUEUE_HITS),
    concurrency: opts.concurrency,
    autorun: true,
    lockDuration: opts.lockDurationMs,
    stalledInterval: opts.stalledIntervalMs,
    maxStalledCount: opts.maxStalledCount,
  });
}

/**
 * The writer's consumer of `events`: no processor (the writer fetches jobs itself, many per batch,
 * and completes them after COMMIT) and not running until the writer starts its stalled-job check.
 */
export function eventsWorker(
  settings: QueueSettings,
  connection: RedisClient,
  opts: ConsumerLocks,
): Worker<EnrichedJob> {
  return new Worker<EnrichedJob>(QUEUE_EVENTS, null, {
    connection,
    prefix: queuePrefixFor(settings, QUEUE_EVENTS),
    autorun: false,
    lockDuration: opts.lockDurationMs,
    stalledInterval: opts.stalledIntervalMs,
    maxStalledCount: opts.maxStalledCount,
    // Seconds a fetch blocks on an empty queue; short so close() is prompt.
    drainDelay: 1,
    removeOnComplete: { count: 0 },
    removeOnFail: { count: 10_000 },
  });
}
