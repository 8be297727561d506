import type { Request } from 'express';
import { readBody } from './body.js';
import { HttpError } from '@beacon/schema';
import { IngestAuth } from './ingest-auth.js';
import { batchEvents, clientIp, parseObject } from './intake.js';
import type { ForeignEvent, ServerIntake } from './server-intake.js';

export interface ServerEventsDeps {
  auth: IngestAuth;
  intake: ServerIntake;
  limits: { maxHitBytes: number; maxBatchBytes: number; maxBatchEvents: number };
}

/**
 * POST /v1/events (docs/server-side.md): one event, or `{site_id?, events:[...]}`, from a backend with
 * `Authorization: Bearer <site ingest token | agency API key>`. Each event is a tracker Hit plus `ip`,
 * `user_agent` and `timestamp` (ms or ISO 8601, within INTAKE_SERVER_MAX_PAST_S). The hits are flagged
 * server-side: bot rules mark them, never drop them.
 */
export function createServerEvents(deps: ServerEventsDeps) {
  const { auth, intake, limits } = deps;

  function toEvent(raw: unknown): ForeignEvent {
    if (raw === null || typeof raw !== 'object' || Array.isArray(raw))
      return { hit: {}, error: 'event must be a JSON object' };
    // ip, user_agent and timestamp describe the visitor as the sender knows it; site_id is the request's.
    const { ip, user_agent, timestamp, site_id: _site, ...hit } = raw as Record<string, unknown>;
    return { hit, ip, userAgent: user_agent, time: timestamp };
  }

  return async function serverEvents(req: Request) {
    const credential = IngestAuth.bearer(req.headers.authorization);
    // Credentials first: an unauthenticated sender learns nothing about the body.
    if (!credential) await auth.siteFor(null, undefined, null);
    const body = parseObject(await readBody(req, limits.maxBatchBytes));
    if (body.events === undefined) {
      const text = JSON.stringify(body);
      if (Buffer.byteLength(text) > limits.maxHitBytes)
        throw new HttpError(
          413,
          'body_too_large',
          `a single event is larger than ${limits.maxHitBytes} bytes`,
        );
      const siteId = await auth.siteFor(credential, body.site_id, clientIp(req));
      return intake.submit(siteId, [toEvent(body)], { source: 'server', serverSide: true, single: true });
    }
    const events = batchEvents(body.events, limits.maxBatchEvents, 'events');
    const siteId = await auth.siteFor(credential, body.site_id, clientIp(req));
    return intake.submit(siteId, events.map(toEvent), { source: 'server', serverSide: true });
  };
}
