import { dirname } from 'node:path';
import { startApi } from '@beacon/api';
import { dashboardDir } from '@beacon/dashboard';
import { startCollector } from '@beacon/collector';
import { startEnricher } from '@beacon/enricher';
import { startWriter } from '@beacon/writer';
import { trackerFiles } from '@beacon-analytics/tracker';
import type { ServiceName, ServiceSpec } from './service-names.js';

/**
 * The four services, imported statically: the CLI is the composition root above them (docs/design.md,
 * "Layout"), so tsc sees every arrow and a missing service is a build error, not a run-time surprise. It also
 * hands the collector the tracker's build and the API the dashboard's: neither reaches for them itself.
 * Only `serve` and `start` load this module (a literal `await import()`, which tsc checks like any
 * import): loading the four services costs about 0.8 s of CPU and 35 MB more than the CLI alone
 * (`beacon --help`, measured 1.6 s vs 0.85 s CPU, 142 vs 107 MB RSS on a loaded 2-core machine), which
 * the container healthchecks (`beacon healthcheck`, every few seconds) should not pay.
 */
export const SERVICES: Readonly<Record<ServiceName, ServiceSpec>> = {
  collector: {
    name: 'collector',
    start: (config) => startCollector(config, { trackerDir: trackerBuildDir() }),
  },
  enricher: { name: 'enricher', start: (config) => startEnricher(config) },
  writer: { name: 'writer', start: (config) => startWriter(config) },
  api: { name: 'api', start: (config) => startApi(config, { dashboardDir: dashboardDir() }) },
};

/** The tracker build the collector serves when COLLECTOR_TRACKER_DIR is empty. */
export function trackerBuildDir(): string {
  return dirname(trackerFiles().core);
}
