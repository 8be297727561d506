import type { Config } from './load.js';

/** What express's `app.set('trust proxy', ...)` takes. */
export type TrustProxyValue = boolean | number | string[];

/**
 * The 'trust proxy' of one internet-facing service: its own setting (COLLECTOR_TRUST_PROXY,
 * API_TRUST_PROXY) or, when empty, TRUST_PROXY. The two services often sit behind different proxies
 * (a CDN or site proxy in front of the collector, an ingress in front of the API), so each lists its own.
 */
export function trustProxyFor(config: Config, service: 'collector' | 'api'): TrustProxyValue {
  const own = service === 'collector' ? config.collector.trustProxy : config.api.trustProxy;
  const text = (own || config.core.trustProxy).trim();
  if (text === 'true') return true;
  if (text === 'false') return false;
  if (/^\d+$/.test(text)) return Number(text);
  return text
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
}
