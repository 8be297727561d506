import type { Queue } from 'bullmq';
import { Gauge, type Registry } from 'prom-client';

/** How long a scrape waits for Redis before it answers without fresh queue depths. */
const READ_TIMEOUT_MS = 1_000;
const STATES = ['waiting', 'active', 'delayed', 'failed'] as const;

/**
 * beacon_queue_jobs{queue,state}: the jobs of each queue by state, read from Redis when Prometheus
 * scrapes (bounded, so /metrics answers while Redis is down: the last values stay).
 */
export function queueDepthGauge(registry: Registry, queues: readonly Queue[]): Gauge<'queue' | 'state'> {
  return new Gauge({
    name: 'beacon_queue_jobs',
    help: 'Jobs in a queue by state. Healthy: waiting near 0 between bursts; a waiting count that only grows means the consumers fall behind; failed stays 0.',
    labelNames: ['queue', 'state'],
    registers: [registry],
    async collect() {
      await Promise.all(
        queues.map(async (queue) => {
          const counts = await withTimeout(queue.getJobCounts(...STATES));
          if (counts) for (const state of STATES) this.set({ queue: queue.name, state }, counts[state] ?? 0);
        }),
      );
    },
  });
}

async function withTimeout<T>(read: Promise<T>): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<undefined>(
    (resolve) => (timer = setTimeout(() => resolve(undefined), READ_TIMEOUT_MS)),
  );
  const counts = await Promise.race([read.catch(() => undefined), late]);
  clearTimeout(timer);
  return counts;
}
