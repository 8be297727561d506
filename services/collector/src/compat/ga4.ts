import type { Request } from 'express';
import { readBody } from '../body.js';
import { HttpError } from '@beacon/schema';
import type { IngestAuth } from '../ingest-auth.js';
import { clientIp } from '../intake.js';
import type { ForeignEvent, ServerIntake } from '../server-intake.js';
import { defined, isObject, jsonBody, str, type Json } from './shared.js';

/** Params that become Beacon columns; every other param goes to properties. */
const MAPPED = new Set([
  'page_location',
  'page_referrer',
  'page_title',
  'session_id',
  'engagement_time_msec',
  'language',
  'screen_resolution',
  'event_id',
]);
/** Ecommerce params (GA4's recommended events) kept together in ecommerce_data. */
const ECOMMERCE = new Set(['currency', 'value', 'items', 'transaction_id', 'tax', 'shipping', 'coupon']);
/** GA4 takes at most 25 events per request. */
const MAX_EVENTS = 25;

/**
 * GA4 Measurement Protocol (`POST /mp/collect?measurement_id=…&api_secret=…`). The api_secret is a
 * Beacon site ingest token (it names the site; measurement_id is ignored). Server-side: the sender
 * sets ip_override / user_agent and timestamp_micros; bot rules flag, never drop.
 */
export function ga4Intake(deps: { auth: IngestAuth; intake: ServerIntake; maxBytes: number }) {
  return async function ga4(req: Request) {
    const q = new URLSearchParams(req.url.slice(req.url.indexOf('?') + 1 || req.url.length));
    const secret = q.get('api_secret');
    const siteId = await deps.auth.siteFor(secret, undefined, clientIp(req));
    const b = jsonBody(await readBody(req, deps.maxBytes));
    if (!Array.isArray(b.events) || b.events.length === 0)
      throw new HttpError(400, 'invalid_batch', 'events must be a non-empty array');
    if (b.events.length > MAX_EVENTS)
      throw new HttpError(413, 'too_many_events', `a request holds at most ${MAX_EVENTS} events`);
    const clientId = str(b.client_id) ?? str(b.app_instance_id);
    const device = isObject(b.device) ? b.device : {};
    const micros = b.timestamp_micros;
    const time =
      typeof micros === 'number' || (typeof micros === 'string' && /^\d+$/.test(micros))
        ? Math.trunc(Number(micros) / 1000)
        : undefined;
    const events: ForeignEvent[] = b.events.map((e: unknown) => {
      if (!isObject(e) || typeof e.name !== 'string')
        return { hit: {}, error: 'event must be {name, params}' };
      const params: Json = isObject(e.params) ? e.params : {};
      const properties: Json = {};
      const ecommerce: Json = {};
      for (const [k, v] of Object.entries(params)) {
        if (MAPPED.has(k)) continue;
        (ECOMMERCE.has(k) ? ecommerce : properties)[k] = v;
      }
      if (isObject(b.user_properties)) properties.user_properties = b.user_properties;
      const sessionId = params.session_id;
      return {
        hit: defined({
          event_name: e.name,
          event_id: str(params.event_id),
          client_id: clientId,
          user_id: str(b.user_id),
          session_id: sessionId === undefined || sessionId === null ? undefined : String(sessionId),
          page_url: str(params.page_location),
          referrer: str(params.page_referrer),
          page_title: str(params.page_title),
          language: str(params.language) ?? str(device.language),
          screen_resolution: str(params.screen_resolution) ?? str(device.screen_resolution),
          time_on_page:
            typeof params.engagement_time_msec === 'number'
              ? Math.round(params.engagement_time_msec / 1000)
              : undefined,
          properties: Object.keys(properties).length ? properties : undefined,
          ecommerce_data: Object.keys(ecommerce).length ? ecommerce : undefined,
        }),
        ip: b.ip_override,
        userAgent: b.user_agent ?? device.user_agent,
        time,
      };
    });
    return deps.intake.submit(siteId, events, { source: 'ga4', serverSide: true });
  };
}

/** Google answers 204 No Content. */
export const ga4Answer = () => ({ status: 204, body: null });
