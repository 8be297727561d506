import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

// Every service's own series, in one place: names from infra/metrics-catalogue.json (add, never
// rename); each help text says what healthy looks like. serviceObservability makes a service's set on
// its registry, so a series is defined once and registered once per process's service.

/** Builders of series registered on one registry. */
function seriesOn(registry: Registry) {
  const registers = [registry];
  return {
    counter: <L extends string = never>(name: string, help: string, labelNames: readonly L[] = []) =>
      new Counter<L>({ name, help, labelNames, registers }),
    gauge: <L extends string = never>(name: string, help: string, labelNames: readonly L[] = []) =>
      new Gauge<L>({ name, help, labelNames, registers }),
    histogram: <L extends string = never>(
      name: string,
      help: string,
      buckets: number[],
      labelNames: readonly L[] = [],
    ) => new Histogram<L>({ name, help, buckets, labelNames, registers }),
  };
}
type Series = ReturnType<typeof seriesOn>;

/** The HTTP histogram shared by the collector and the api, each with its own buckets and health note. */
const HTTP_DURATION = {
  collector: {
    health: 'hit routes p99 well under 50 ms; 5xx only 503 under backpressure.',
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
  },
  api: {
    health: 'p95 of dashboard routes well under 1 s; 5xx near zero.',
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
  },
};
const httpDuration = (s: Series, service: keyof typeof HTTP_DURATION) =>
  s.histogram(
    'beacon_http_request_duration_seconds',
    `HTTP request duration by route template, method and status. Healthy: ${HTTP_DURATION[service].health}`,
    HTTP_DURATION[service].buckets,
    ['route', 'method', 'status'],
  );

function collectorMetrics(s: Series) {
  return {
    httpDuration: httpDuration(s, 'collector'),
    hits: s.counter(
      'beacon_collector_hits_total',
      'Hits received, by outcome (accepted: in Redis; rejected: refused, see beacon_collector_rejected_total; dropped_consent: site requires consent, hit has none). Healthy: rejected a small share.',
      ['outcome'],
    ),
    rejected: s.counter(
      'beacon_collector_rejected_total',
      'Rejected hits by reason (whole requests count once when their body cannot be read). Healthy: near zero apart from unknown_site/origin noise.',
      ['reason'],
    ),
    jobHits: s.histogram(
      'beacon_collector_job_hits',
      'Hits per job added to the hits queue (micro-batch size). Healthy: grows with load; 1 means no batching.',
      [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000],
    ),
    enqueueDuration: s.histogram(
      'beacon_collector_enqueue_duration_seconds',
      'Time to add one micro-batch job to Redis. Healthy: a few ms; seconds mean Redis is slow.',
      [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    ),
    unavailable: s.counter(
      'beacon_collector_unavailable_total',
      '503 answers by reason (redis_down, redis_timeout, queue_full, overloaded, db_down, shutting_down). Healthy: zero.',
      ['reason'],
    ),
    pendingHits: s.gauge(
      'beacon_collector_pending_hits',
      'Hits held in memory waiting for Redis (micro-batch plus jobs in flight). Healthy: below COLLECTOR_BATCH_MAX_HITS.',
    ),
  };
}

function enricherMetrics(s: Series) {
  return {
    events: s.counter(
      'beacon_enricher_events_total',
      'Hits handled by outcome: enriched (a row was sent on), dropped (typed reason, see dropped_total), dead (dead_events). Healthy: dead stays near 0.',
      ['outcome'],
    ),
    dropped: s.counter(
      'beacon_enricher_dropped_total',
      'Hits dropped without a row, by reason: bot (site bot_policy drop), duplicate (client retry), unknown_site, invalid. Bots and duplicates are normal; unknown_site should be rare.',
      ['reason'],
    ),
    stepDuration: s.histogram(
      'beacon_enricher_step_duration_seconds',
      'Time of one enrichment step for one hit. Healthy: microseconds (cache hits); a step in milliseconds is a cold cache or a slow data file.',
      [0.000_001, 0.000_005, 0.000_02, 0.000_1, 0.000_5, 0.002, 0.01, 0.05],
      ['step'],
    ),
    cache: s.counter(
      'beacon_enricher_cache_total',
      'Lookups of the enricher caches (ua, ip, site) by result. Healthy: hit ratio above 0.9 on real traffic.',
      ['cache', 'result'],
    ),
    workerRestarts: s.counter(
      'beacon_enricher_worker_restarts_total',
      'Queue consumers replaced because raw jobs waited with no progress for ENRICHER_STALL_RESTART_MS (a hung Redis connection after a failover). Healthy: 0; a rise says Redis lost a node.',
    ),
    jobDuration: s.histogram(
      'beacon_enricher_job_duration_seconds',
      'Time to enrich one raw job (steps, dedupe, dead letters, events job add). Healthy: well under a second.',
      [0.001, 0.005, 0.02, 0.1, 0.5, 2, 10],
    ),
    dataSources: s.gauge(
      'beacon_enricher_data_source_loaded',
      'Per configured data source (GeoIP/ASN files, network lists): 1 loaded, 0 missing or failed. Healthy: 1 for every configured source.',
      ['source'],
    ),
  };
}

function writerMetrics(s: Series) {
  const m = {
    rows: s.counter(
      'beacon_writer_rows_total',
      'Event rows inserted into events. Healthy: grows with traffic; flat while the events queue has waiting jobs means the writer is stuck.',
    ),
    conflicts: s.counter(
      'beacon_writer_conflicts_total',
      'Rows skipped because events already had them (re-delivered jobs after a crash or lock loss). Healthy: near 0, bursts after restarts.',
    ),
    batches: s.counter(
      'beacon_writer_batches_total',
      'Batches by outcome: committed, split (poison rows isolated), retried (PostgreSQL/Redis error, jobs kept). Healthy: almost all committed.',
      ['outcome'],
    ),
    batchRows: s.histogram(
      'beacon_writer_batch_rows',
      'Rows per batch. Healthy: near WRITER_BATCH_MAX_ROWS under load (small batches under load mean the writer is not keeping up with fetching).',
      [1, 10, 50, 100, 250, 500, 1000, 2500, 5000, 10000, 25000],
    ),
    batchDuration: s.histogram(
      'beacon_writer_batch_duration_seconds',
      'Time to store one batch (transaction start to commit, splits included). Healthy: well under 1 s.',
      [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    ),
    dead: s.counter(
      'beacon_writer_dead_letters_total',
      'Rows PostgreSQL refused, stored in dead_events, by SQLSTATE. Healthy: 0; see `beacon dead-letters list`.',
      ['sqlstate'],
    ),
    retried: s.counter(
      'beacon_writer_jobs_retried_total',
      'Jobs handled again: their batch failed on PostgreSQL/Redis and was retried, or they came back from a dead holder (stalled). Healthy: 0 outside outages and restarts.',
    ),
    sessionConflicts: s.counter(
      'beacon_writer_session_conflicts_total',
      "Events stored whose session_id already belongs to another site (that site's session left untouched). Healthy: 0; growth means colliding or forged session ids.",
    ),
    freshness: s.histogram(
      'beacon_writer_freshness_seconds',
      'Time from server_timestamp (collector receipt) to the commit that stored the event: the delay dashboard users see. Healthy: p95 under a few seconds.',
      [0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 300, 3600],
    ),
    failedJobs: s.counter(
      'beacon_writer_invalid_jobs_total',
      'Jobs failed because their payload is not an events job (kept in the failed set of the queue). Healthy: 0.',
    ),
    backingOff: s.gauge(
      'beacon_writer_backing_off',
      '1 while the writer waits for PostgreSQL or Redis to come back (jobs stay in Redis). Healthy: 0.',
    ),
    workerRestarts: s.counter(
      'beacon_writer_worker_restarts_total',
      'Queue consumers replaced because events jobs waited with no progress for WRITER_STALL_RESTART_MS (a hung Redis connection after a failover). Healthy: 0; a rise says Redis lost a node.',
    ),
    deadJobs: s.counter(
      'beacon_failed_jobs_dead_lettered_total',
      'Jobs that failed for good and were moved to dead_events (with their rows), by queue. Healthy: 0; see `beacon dead-letters list`.',
      ['queue'],
    ),
  };
  m.batches.inc({ outcome: 'committed' }, 0);
  return m;
}

function apiMetrics(s: Series) {
  return {
    /** Per analytics endpoint and data source (e.g. source=events|sessions); used by the query module. */
    queryDuration: s.histogram(
      'beacon_api_query_duration_seconds',
      'Time of the SQL behind an analytics endpoint. Healthy: p95 under 1 s for 30-day ranges of a large site.',
      [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      ['endpoint', 'source'],
    ),
    authFailures: s.counter(
      'beacon_api_auth_failures_total',
      'Rejected authentications by reason (missing_credentials, invalid_token, expired, session_revoked, invalid_api_key, bad_password, inactive_user, rate_limited, refresh_reuse, busy = refused because too many password checks were waiting, ...). Healthy: low and flat; a spike of bad_password or invalid_api_key is someone guessing, rate_limited or busy is a flood being held off.',
      ['reason'],
    ),
    httpDuration: httpDuration(s, 'api'),
    alerts: alertMetrics(s),
  };
}

/** Company alerts, run by the api (docs/company-alerts.md). */
function alertMetrics(s: Series) {
  return {
    fired: s.counter(
      'beacon_company_alerts_fired_total',
      'Company alerts fired (a rule matched committed activity, once per company and cooldown window).',
    ),
    deliveries: s.counter(
      'beacon_alert_delivery_attempts_total',
      'Alert delivery attempts by endpoint kind (webhook, slack, email) and result (delivered, failed, dead = last retry failed). Healthy: failed small against delivered; dead near 0.',
      ['kind', 'result'],
    ),
    latency: s.histogram(
      'beacon_alert_latency_seconds',
      'From the last event of the activity that fired an alert (server_timestamp) to its delivery. Healthy: p95 under 5 s.',
      [0.25, 0.5, 1, 2, 3, 5, 10, 30, 60, 300, 3600],
    ),
  };
}

const SERVICE_METRICS = {
  collector: collectorMetrics,
  enricher: enricherMetrics,
  writer: writerMetrics,
  api: apiMetrics,
};

/** A service that has series of its own. */
export type ServiceName = keyof typeof SERVICE_METRICS;
export type ServiceMetrics<S extends ServiceName> = ReturnType<(typeof SERVICE_METRICS)[S]>;
export type CollectorMetrics = ServiceMetrics<'collector'>;
export type EnricherMetrics = ServiceMetrics<'enricher'>;
export type WriterMetrics = ServiceMetrics<'writer'>;
export type ApiMetrics = ServiceMetrics<'api'>;
export type AlertMetrics = ApiMetrics['alerts'];

/** Registers a service's series on its registry (once per registry: prom-client refuses a name twice). */
export function serviceMetrics<S extends ServiceName>(service: S, registry: Registry): ServiceMetrics<S> {
  return SERVICE_METRICS[service](seriesOn(registry)) as ServiceMetrics<S>;
}
