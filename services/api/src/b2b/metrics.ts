import { Counter, Histogram, type Registry } from 'prom-client';

/** Metrics of company alerts (infra/metrics-catalogue.json). */
export interface AlertMetrics {
  fired: Counter;
  deliveries: Counter<'kind' | 'result'>;
  latency: Histogram;
}

export function createAlertMetrics(registry: Registry): AlertMetrics {
  return {
    fired: new Counter({
      name: 'beacon_company_alerts_fired_total',
      help: 'Company alerts fired (a rule matched committed activity, once per company and cooldown window).',
      registers: [registry],
    }),
    deliveries: new Counter({
      name: 'beacon_alert_delivery_attempts_total',
      help: 'Alert delivery attempts by endpoint kind (webhook, slack, email) and result (delivered, failed, dead = last retry failed). Healthy: failed small against delivered; dead near 0.',
      labelNames: ['kind', 'result'],
      registers: [registry],
    }),
    latency: new Histogram({
      name: 'beacon_alert_latency_seconds',
      help: 'From the last event of the activity that fired an alert (server_timestamp) to its delivery. Healthy: p95 under 5 s.',
      buckets: [0.25, 0.5, 1, 2, 3, 5, 10, 30, 60, 300, 3600],
      registers: [registry],
    }),
  };
}
