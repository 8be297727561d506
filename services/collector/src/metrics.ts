import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

/** The collector's metrics (names from the shared catalogue in the helpers' brief; add, never rename). */
export function createCollectorMetrics(registry: Registry) {
  return {
    httpDuration: new Histogram({
      name: 'beacon_http_request_duration_seconds',
      help: 'HTTP request duration by route, method and status. Healthy: hit routes p99 well under 50 ms; 5xx only 503 under backpressure.',
      labelNames: ['route', 'method', 'status'] as const,
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers: [registry],
    }),
    hits: new Counter({
      name: 'beacon_collector_hits_total',
      help: 'Hits received, by outcome (accepted: in Redis; rejected: refused, see beacon_collector_rejected_total; dropped_consent: site requires consent, hit has none). Healthy: rejected a small share.',
      labelNames: ['outcome'] as const,
      registers: [registry],
    }),
    rejected: new Counter({
      name: 'beacon_collector_rejected_total',
      help: 'Rejected hits by reason (whole requests count once when their body cannot be read). Healthy: near zero apart from unknown_site/origin noise.',
      labelNames: ['reason'] as const,
      registers: [registry],
    }),
    jobHits: new Histogram({
      name: 'beacon_collector_job_hits',
      help: 'Hits per job added to the hits queue (micro-batch size). Healthy: grows with load; 1 means no batching.',
      buckets: [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000],
      registers: [registry],
    }),
    enqueueDuration: new Histogram({
      name: 'beacon_collector_enqueue_duration_seconds',
      help: 'Time to add one micro-batch job to Redis. Healthy: a few ms; seconds mean Redis is slow.',
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers: [registry],
    }),
    unavailable: new Counter({
      name: 'beacon_collector_unavailable_total',
      help: '503 answers by reason (redis_down, redis_timeout, queue_full, overloaded, db_down, shutting_down). Healthy: zero.',
      labelNames: ['reason'] as const,
      registers: [registry],
    }),
    pendingHits: new Gauge({
      name: 'beacon_collector_pending_hits',
      help: 'Hits held in memory waiting for Redis (micro-batch plus jobs in flight). Healthy: below COLLECTOR_BATCH_MAX_HITS.',
      registers: [registry],
    }),
  };
}

export type CollectorMetrics = ReturnType<typeof createCollectorMetrics>;
