import type { Request } from 'express';
import { readBody } from '../body.js';
import { HttpError } from '@beacon/schema';
import { clientIp, requestOrigin } from '../intake.js';
import type { ServerIntake } from '../server-intake.js';
import type { CompatSites } from './site-lookup.js';
import { defined, eventName, isObject, jsonBody, userAgentOf } from './shared.js';

/**
 * Plausible Events API (`POST /api/event`; docs/compatible-intake.md). The body names the site by
 * `domain` (comma-separated: each site gets the event) and the event by `name`, `url`, `referrer`,
 * `props`, `revenue` — or by the short keys Plausible's script sends (n, u, d, r, p, $). Browser-side:
 * the request's IP and User-Agent are the visitor's, bot rules and allowed origins apply.
 */
export function plausibleIntake(deps: { sites: CompatSites; intake: ServerIntake; maxBytes: number }) {
  return async function plausible(req: Request) {
    const b = jsonBody(await readBody(req, deps.maxBytes));
    const domain = b.domain ?? b.d;
    const name = b.name ?? b.n;
    const url = b.url ?? b.u;
    if (typeof domain !== 'string' || typeof name !== 'string' || typeof url !== 'string')
      throw new HttpError(400, 'invalid_hit', 'domain, name and url are required strings');
    const props = b.props ?? b.p ?? b.m;
    const revenue = b.revenue ?? b.$;
    const hit = defined({
      event_name: eventName(name, ['pageview']),
      page_url: url,
      referrer: typeof (b.referrer ?? b.r) === 'string' ? (b.referrer ?? b.r) : undefined,
      properties: isObject(props) ? props : undefined,
      ecommerce_data: isObject(revenue)
        ? defined({ revenue: Number(revenue.amount), currency: revenue.currency })
        : undefined,
    });
    const origin = requestOrigin(req);
    const domains = [
      ...new Set(
        domain
          .split(',')
          .map((d) => d.trim())
          .filter(Boolean),
      ),
    ].slice(0, 10);
    let accepted = 0;
    for (const d of domains) {
      const siteId = await deps.sites.byDomain(d);
      const out = await deps.intake.submit(
        siteId,
        [{ hit: { ...hit }, ip: clientIp(req), userAgent: userAgentOf(req), origin }],
        { source: 'plausible', serverSide: false, single: true, browserOrigin: origin },
      );
      accepted += out.accepted;
    }
    return { accepted };
  };
}

/** Plausible answers `202 ok`. */
export const plausibleAnswer = () => ({ status: 202, body: 'ok' });
