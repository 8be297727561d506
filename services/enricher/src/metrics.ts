import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

/** The enricher's metrics (names from the shared catalogue in the helpers' brief; add, never rename). */
export function enricherMetrics(registry: Registry) {
  return {
    events: new Counter({
      name: 'beacon_enricher_events_total',
      help: 'Hits handled by outcome: enriched (a row was sent on), dropped (typed reason, see dropped_total), dead (dead_events). Healthy: dead stays near 0.',
      labelNames: ['outcome'] as const,
      registers: [registry],
    }),
    dropped: new Counter({
      name: 'beacon_enricher_dropped_total',
      help: 'Hits dropped without a row, by reason: bot (site bot_policy drop), duplicate (client retry), unknown_site, invalid. Bots and duplicates are normal; unknown_site should be rare.',
      labelNames: ['reason'] as const,
      registers: [registry],
    }),
    stepDuration: new Histogram({
      name: 'beacon_enricher_step_duration_seconds',
      help: 'Time of one enrichment step for one hit. Healthy: microseconds (cache hits); a step in milliseconds is a cold cache or a slow data file.',
      labelNames: ['step'] as const,
      buckets: [0.000_001, 0.000_005, 0.000_02, 0.000_1, 0.000_5, 0.002, 0.01, 0.05],
      registers: [registry],
    }),
    cache: new Counter({
      name: 'beacon_enricher_cache_total',
      help: 'Lookups of the enricher caches (ua, ip, site) by result. Healthy: hit ratio above 0.9 on real traffic.',
      labelNames: ['cache', 'result'] as const,
      registers: [registry],
    }),
    workerRestarts: new Counter({
      name: 'beacon_enricher_worker_restarts_total',
      help: 'Queue consumers replaced because raw jobs waited with no progress for ENRICHER_STALL_RESTART_MS (a hung Redis connection after a failover). Healthy: 0; a rise says Redis lost a node.',
      registers: [registry],
    }),
    jobDuration: new Histogram({
      name: 'beacon_enricher_job_duration_seconds',
      help: 'Time to enrich one raw job (steps, dedupe, dead letters, events job add). Healthy: well under a second.',
      buckets: [0.001, 0.005, 0.02, 0.1, 0.5, 2, 10],
      registers: [registry],
    }),
    dataSources: new Gauge({
      name: 'beacon_enricher_data_source_loaded',
      help: 'Per configured data source (GeoIP/ASN files, network lists): 1 loaded, 0 missing or failed. Healthy: 1 for every configured source.',
      labelNames: ['source'] as const,
      registers: [registry],
    }),
  };
}

export type EnricherMetrics = ReturnType<typeof enricherMetrics>;
