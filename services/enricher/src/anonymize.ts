import { formatIp, parseIp, type SiteConfig } from '@beacon/schema';
import type { EnrichContext, Step } from './pipeline.js';

/**
 * IP anonymisation per site (sites.config.ip_anonymization), applied after every lookup so geo and
 * network fields come from the full address:
 * - none:     the IP as received (canonical text)
 * - truncate: IPv4 to its /24 (a.b.c.0), IPv6 to its /48 (x:y:z::)
 * - drop:     no IP stored (ip_address null)
 */
export function anonymizeIp(ip: string | null, mode: SiteConfig['ip_anonymization']): string | null {
  if (ip === null || mode === 'drop') return null;
  if (mode === 'none') return ip;
  const p = parseIp(ip);
  if (!p) return null;
  if (p.v === 4) return formatIp({ v: 4, n: p.n - (p.n % 256) });
  const w = Uint32Array.from(p.w);
  w[1] = (w[1]! & 0xffff0000) >>> 0;
  w[2] = 0;
  w[3] = 0;
  return formatIp({ v: 6, w });
}

export function anonymizeIpStep(): Step {
  return {
    name: 'anonymize_ip',
    run(ctx: EnrichContext) {
      ctx.row.ip_address = anonymizeIp(
        (ctx.row.ip_address as string | null) ?? null,
        ctx.siteConfig.ip_anonymization,
      );
    },
  };
}
