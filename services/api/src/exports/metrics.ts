import { Counter, Gauge, type Registry } from 'prom-client';

/** How CSV exports end. */
export type ExportOutcome = 'complete' | 'client_left' | 'stalled' | 'deadline' | 'failed' | 'refused';

export interface ExportMetrics {
  ended: Counter<'outcome'>;
  running: Gauge;
}

export function createExportMetrics(registry: Registry, running: () => number): ExportMetrics {
  return {
    ended: new Counter({
      name: 'beacon_api_exports_total',
      help: 'CSV exports by how they ended: complete, client_left, stalled (the client stopped reading), deadline (API_EXPORT_MAX_DURATION_S), failed, refused (429, export limits). Healthy: stalled, deadline and refused near 0.',
      labelNames: ['outcome'],
      registers: [registry],
    }),
    running: new Gauge({
      name: 'beacon_api_exports_running',
      help: 'CSV exports running on this API process, each holding a PostgreSQL connection.',
      registers: [registry],
      collect() {
        this.set(running());
      },
    }),
  };
}
