import { parsers as p, setting } from '../setting.js';

/** HTTP intake: ports, proxies, limits, micro-batching. */
export const collector = {
  port: setting(
    'COLLECTOR_PORT',
    p.int(0, 65535),
    8080,
    'Port of the collector (hits, tracker script, metrics).',
  ),
  host: setting('COLLECTOR_HOST', p.string({ min: 1 }), '0.0.0.0', 'Address the collector listens on.'),
  publicUrl: setting(
    'COLLECTOR_PUBLIC_URL',
    p.url(['http:', 'https:']),
    'http://localhost:8080',
    'Public base URL of the collector as browsers reach it; used in the tracking snippet.',
  ),
  trustProxy: setting(
    'TRUST_PROXY',
    p.string({ min: 1 }),
    'loopback,linklocal,uniquelocal',
    "Proxies whose X-Forwarded-For is believed, in express 'trust proxy' syntax (addresses, CIDRs, loopback/linklocal/uniquelocal, a hop count, or false).",
  ),
};
