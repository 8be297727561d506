import type { Request } from 'express';
import { readBody } from '../body.js';
import { HttpError } from '@beacon/schema';
import { clientIp, requestOrigin } from '../intake.js';
import type { ServerIntake } from '../server-intake.js';
import type { CompatSites } from './site-lookup.js';
import { defined, eventName, isObject, jsonBody, userAgentOf, type Json } from './shared.js';

/**
 * Plausible Events API (`POST /api/event`; docs/compatible-intake.md). The body names the site by
 * `domain` (comma-separated: each site gets the event; 202 when any of them took it) and the event by `name`, `url`, `referrer`,
 * `props`, `revenue` — or by the short keys Plausible's script sends (n, u, d, r, p, $). Browser-side:
 * the request's IP and User-Agent are the visitor's, bot rules and allowed origins apply.
 * Plausible's `engagement` events (sent when the page is hidden or left) become Beacon's own
 * `engagement` hits of the page view: `e` (ms) as time_on_page, `sd` as scroll_depth.
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
      ...(name === 'engagement' ? engagement(b) : {}),
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
    // Each site on its own, as Plausible does: one refusing (unknown domain, paused, another origin)
    // takes nothing from the others. A 4xx only when no site took the event, so a sender never
    // retries (and doubles) what was already queued.
    let accepted = 0;
    let refusal: unknown;
    for (const d of domains) {
      try {
        const siteId = await deps.sites.byDomain(d);
        const out = await deps.intake.submit(
          siteId,
          [{ hit: { ...hit }, ip: clientIp(req), userAgent: userAgentOf(req), origin }],
          { source: 'plausible', serverSide: false, single: true, browserOrigin: origin },
        );
        accepted += out.accepted;
      } catch (err) {
        if (!(err instanceof HttpError) || err.status >= 500) throw err;
        refusal ??= err;
      }
    }
    if (accepted === 0 && refusal) throw refusal;
    return { accepted };
  };
}

/**
 * What Plausible's engagement event measured, in the fields of Beacon's tracker (docs/tracker.md):
 * `e` is the visible-and-focused time since the page view's previous engagement event (a delta, as
 * Beacon's time_on_page, which counts seconds), `sd` the deepest scroll so far in percent.
 */
function engagement(b: Json): Json {
  const ms = Number(b.e);
  const depth = Number(b.sd);
  return defined({
    time_on_page: Number.isFinite(ms) && ms >= 0 ? Math.round(ms / 1000) : undefined,
    scroll_depth: Number.isFinite(depth) ? Math.min(100, Math.max(0, Math.round(depth))) : undefined,
  });
}

/** Plausible answers `202 ok`. */
export const plausibleAnswer = () => ({ status: 202, body: 'ok' });
