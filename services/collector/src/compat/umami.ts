import type { Request } from 'express';
import { readBody } from '../body.js';
import { HttpError } from '@beacon/schema';
import { clientIp, requestOrigin } from '../intake.js';
import type { ServerIntake } from '../server-intake.js';
import type { CompatSites } from './site-lookup.js';
import { absoluteUrl, defined, isObject, jsonBody, str, userAgentOf } from './shared.js';

/**
 * Umami's collect endpoint (`POST /api/send`): `{type: 'event'|'identify', payload: {website, hostname,
 * url, referrer, title, screen, language, name, data, id}}`. The site is the Beacon site whose uuid is
 * `website` (set the tag's data-website-id to it), else the site of `hostname`. An event without `name`
 * is a page view; `identify` becomes an `identify` event with `data` as properties (and `id` as user_id).
 * Browser-side like Plausible: bot rules and allowed origins apply.
 */
export function umamiIntake(deps: { sites: CompatSites; intake: ServerIntake; maxBytes: number }) {
  return async function umami(req: Request) {
    const b = jsonBody(await readBody(req, deps.maxBytes));
    const type = b.type ?? 'event';
    if (type !== 'event' && type !== 'identify')
      throw new HttpError(400, 'invalid_hit', 'type must be "event" or "identify"');
    const p = b.payload;
    if (!isObject(p)) throw new HttpError(400, 'invalid_hit', 'payload must be an object');
    const website = str(p.website);
    const siteId =
      (website ? await deps.sites.byId(website) : null) ?? (await deps.sites.byDomain(p.hostname));
    const name = type === 'identify' ? 'identify' : (str(p.name) ?? 'page_view');
    const hit = defined({
      event_name: name,
      page_url: absoluteUrl(p.url, p.hostname),
      referrer: str(p.referrer),
      page_title: str(p.title),
      screen_resolution: str(p.screen),
      language: str(p.language),
      user_id: type === 'identify' ? str(p.id) : undefined,
      properties: isObject(p.data) ? p.data : undefined,
    });
    const origin = requestOrigin(req);
    return deps.intake.submit(siteId, [{ hit, ip: clientIp(req), userAgent: userAgentOf(req), origin }], {
      source: 'umami',
      serverSide: false,
      single: true,
      browserOrigin: origin,
    });
  };
}

/** Umami's tracker keeps the answer's text and sends it back as x-umami-cache: keep it short. */
export const umamiAnswer = () => ({ status: 200, body: { ok: true } });
