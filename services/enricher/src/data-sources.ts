import type { Logger, ReadinessCheck } from '@beacon/observability';
import type { AttributionRuntime } from './attribution/runtime.js';
import type { EnricherMetrics } from '@beacon/observability';
import type { NetworkLookup } from './network/lookup.js';

/** How often beacon_enricher_data_source_loaded is refreshed: a file that reloads (or fails to) shows within one tick. */
const REFRESH_MS = 5_000;

/**
 * The enricher's data files (GeoIP/ASN databases, network lists): logged once at start (what loaded,
 * what is missing and leaves its fields null), kept in beacon_enricher_data_source_loaded, reported by
 * the optional `data` readiness check. Answers a stop function for the gauge's timer.
 */
export function watchDataSources(
  network: NetworkLookup,
  metrics: EnricherMetrics,
  logger: Logger,
  startedAt: number,
): () => void {
  const sources = network.sources();
  for (const s of sources) {
    if (s.state === 'loaded')
      logger.info({ source: s.name, path: s.path, loadMs: s.loadMs, info: s.info }, 'data source loaded');
    else if (s.state !== 'not_configured')
      logger.warn(
        { source: s.name, path: s.path, state: s.state, error: s.error },
        'data source unavailable: its fields stay null',
      );
  }
  logger.info(
    {
      notConfigured: sources.filter((s) => s.state === 'not_configured').map((s) => s.name),
      loadMs: Math.round(performance.now() - startedAt),
      rssMB: Math.round(process.memoryUsage().rss / 1e6),
    },
    'enricher data ready',
  );
  const refresh = () => {
    for (const s of network.sources())
      if (s.state !== 'not_configured') metrics.dataSources.labels(s.name).set(s.state === 'loaded' ? 1 : 0);
  };
  refresh();
  const timer = setInterval(refresh, REFRESH_MS);
  timer.unref();
  return () => clearInterval(timer);
}

/** Optional readiness: every configured data file loaded (the detail names each, and attribution's state). */
export function dataCheck(network: NetworkLookup, attribution: AttributionRuntime): ReadinessCheck {
  return {
    name: 'data',
    optional: true,
    check: async () => {
      const list = network.sources();
      const bad = list.filter((s) => s.state === 'missing' || s.state === 'failed');
      return {
        ok: bad.length === 0,
        detail: { ...Object.fromEntries(list.map((s) => [s.name, s])), attribution: attribution.status() },
      };
    },
  };
}
