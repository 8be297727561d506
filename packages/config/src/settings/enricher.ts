import { parsers as p, setting } from '../setting.js';

/** Queue worker turning raw hits into enriched events. */
export const enricher = {
  metricsPort: setting(
    'ENRICHER_METRICS_PORT',
    p.int(0, 65535),
    9101,
    'Port of the enricher /metrics, /healthz and /readyz.',
  ),
};
