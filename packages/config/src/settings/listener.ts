import { parsers as p, setting } from '../setting.js';

/**
 * The three listening settings of an internet-facing service (collector, API): its public port and
 * address, and the internal ops port for /metrics and the detailed /readyz.
 */
export function listener(o: { prefix: string; port: number; opsPort: number; name: string; serves: string }) {
  return {
    port: setting(`${o.prefix}_PORT`, p.int(0, 65535), o.port)`
      Port of ${o.serves}, public /healthz and /readyz that say only ok or not ok.`,
    host: setting(`${o.prefix}_HOST`, p.string({ min: 1 }), '0.0.0.0')`
      Address ${o.name} listens on.`,
    opsPort: setting(`${o.prefix}_OPS_PORT`, p.int(0, 65535), o.opsPort)`
      Internal port of ${o.name} /metrics, /readyz (with the state of each dependency) and /healthz, on
      ${o.prefix}_HOST. For Prometheus and probes only: do not publish it to the internet.`,
  };
}

/** The ops port of a queue worker (enricher, writer), which serves nothing else. */
export function metricsPort(o: { prefix: string; port: number; name: string }) {
  return setting(`${o.prefix}_METRICS_PORT`, p.int(0, 65535), o.port)`
    Port of the ${o.name} /metrics, /healthz and /readyz.`;
}
