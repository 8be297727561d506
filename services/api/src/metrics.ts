import { Counter, Histogram, type Registry } from 'prom-client';

/** The API's metrics (names from the shared catalogue; add, never rename). */
export interface ApiMetrics {
  httpDuration: Histogram<'route' | 'method' | 'status'>;
  /** Per analytics endpoint and data source (e.g. source=events|sessions); used by the query module. */
  queryDuration: Histogram<'endpoint' | 'source'>;
  authFailures: Counter<'reason'>;
}

export function createApiMetrics(registry: Registry): ApiMetrics {
  return {
    httpDuration: new Histogram({
      name: 'beacon_http_request_duration_seconds',
      help: 'HTTP request duration by route template, method and status. Healthy: p95 of dashboard routes well under 1 s; 5xx near zero.',
      labelNames: ['route', 'method', 'status'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [registry],
    }),
    queryDuration: new Histogram({
      name: 'beacon_api_query_duration_seconds',
      help: 'Time of the SQL behind an analytics endpoint. Healthy: p95 under 1 s for 30-day ranges of a large site.',
      labelNames: ['endpoint', 'source'],
      buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers: [registry],
    }),
    authFailures: new Counter({
      name: 'beacon_api_auth_failures_total',
      help: 'Rejected authentications by reason (missing_credentials, invalid_token, expired, session_revoked, invalid_api_key, bad_password, inactive_user, rate_limited, refresh_reuse, busy = refused because too many password checks were waiting, ...). Healthy: low and flat; a spike of bad_password or invalid_api_key is someone guessing, rate_limited or busy is a flood being held off.',
      labelNames: ['reason'],
      registers: [registry],
    }),
  };
}
