import type { Request } from 'express';
import { trackerSettings, type TrackerSettings } from '@beacon/schema';
import type { SiteCache } from './sites.js';

/**
 * `GET {batch path}?site_id=…`: the site's privacy switches (cookieless, require_consent, respect_dnt)
 * for the tracker, which asks before it sends or stores anything. Served from the batch path so a
 * first-party proxy that forwards the batch endpoint forwards this too. Unknown site: 404, paused or
 * deleted: 403 (SiteCache.requireActive), and the tracker then sends nothing.
 */
export function createSiteSettings(sites: SiteCache) {
  return async function siteSettings(req: Request): Promise<TrackerSettings> {
    const q = req.url.indexOf('?');
    const params = new URLSearchParams(q >= 0 ? req.url.slice(q + 1) : '');
    const site = await sites.requireActive(params.get('site_id') ?? undefined);
    return trackerSettings(site.config);
  };
}

export type SiteSettings = ReturnType<typeof createSiteSettings>;
