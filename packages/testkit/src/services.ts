/** The four services, as `beacon serve <name>` names them. */
export type ServiceName = 'collector' | 'enricher' | 'writer' | 'api';

/**
 * The setting that names each service's port when it runs as its own process: the HTTP port of the
 * collector and the api, the one metrics/health port of the workers.
 */
export const SERVICE_PORT_ENV: Readonly<Record<ServiceName, string>> = {
  collector: 'COLLECTOR_PORT',
  api: 'API_PORT',
  enricher: 'ENRICHER_METRICS_PORT',
  writer: 'WRITER_METRICS_PORT',
};

/** The internal ops port (/metrics, detailed /readyz) of the internet-facing services. */
export const SERVICE_OPS_PORT_ENV: Readonly<Partial<Record<ServiceName, string>>> = {
  collector: 'COLLECTOR_OPS_PORT',
  api: 'API_OPS_PORT',
};
