import { parsers as p, setting } from '../setting.js';

/** Queue worker bulk-loading enriched events into PostgreSQL. */
export const writer = {
  metricsPort: setting(
    'WRITER_METRICS_PORT',
    p.int(0, 65535),
    9102,
    'Port of the writer /metrics, /healthz and /readyz.',
  ),
};
