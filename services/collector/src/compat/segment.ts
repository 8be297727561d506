import type { Request } from 'express';
import { readBody } from '../body.js';
import { HttpError } from '@beacon/schema';
import { IngestAuth } from '../ingest-auth.js';
import { clientIp } from '../intake.js';
import type { ForeignEvent, ServerIntake } from '../server-intake.js';
import { absoluteUrl, defined, isObject, jsonBody, str, type Json } from './shared.js';

/** The calls served under `/segment/v1/`. */
export const SEGMENT_CALLS = ['track', 'page', 'identify', 'batch'] as const;
export type SegmentCall = (typeof SEGMENT_CALLS)[number];

/**
 * Segment-compatible HTTP API under `/segment/v1/{track,page,identify,batch}` (Beacon's own /v1/track
 * and /v1/batch belong to its tracker). The write key is a Beacon site ingest token, sent as Segment's
 * clients do: HTTP Basic with the key as user name, or `writeKey` in the body. Server-side: context.ip
 * and context.userAgent are the visitor's; messageId is the event_id (a retried batch is stored once).
 */
export function segmentIntake(
  call: SegmentCall,
  deps: { auth: IngestAuth; intake: ServerIntake; maxBytes: number; maxEvents: number },
) {
  return async function segment(req: Request) {
    const basic = /^Basic\s+(\S+)\s*$/i.exec(req.headers.authorization ?? '');
    let key: string | null = basic
      ? Buffer.from(basic[1]!, 'base64').toString('utf8').replace(/:.*$/s, '')
      : IngestAuth.bearer(req.headers.authorization);
    const b = jsonBody(await readBody(req, deps.maxBytes));
    key ||= str(b.writeKey) ?? null;
    const siteId = await deps.auth.siteFor(key, undefined, clientIp(req));
    let messages: unknown[];
    if (call === 'batch') {
      if (!Array.isArray(b.batch) || b.batch.length === 0)
        throw new HttpError(400, 'invalid_batch', 'batch must be a non-empty array');
      if (b.batch.length > deps.maxEvents)
        throw new HttpError(413, 'too_many_events', `a batch holds at most ${deps.maxEvents} messages`);
      messages = b.batch.map((m) => (isObject(m) && isObject(b.context) ? { context: b.context, ...m } : m));
    } else messages = [{ ...b, type: call }];
    return deps.intake.submit(siteId, messages.map(toEvent), {
      source: 'segment',
      serverSide: true,
      single: call !== 'batch',
    });
  };
}

function toEvent(m: unknown): ForeignEvent {
  if (!isObject(m)) return { hit: {}, error: 'message must be a JSON object' };
  const type = m.type;
  const context: Json = isObject(m.context) ? m.context : {};
  const page: Json = isObject(context.page) ? context.page : {};
  const props: Json = isObject(m.properties) ? { ...m.properties } : {};
  let name: unknown;
  if (type === 'track') name = m.event;
  else if (type === 'page' || type === 'screen') name = 'page_view';
  else if (type === 'identify') name = 'identify';
  else return { hit: {}, error: `type ${JSON.stringify(type)} is not supported (track, page, identify)` };
  const url = absoluteUrl(props.url ?? page.url, undefined);
  const referrer = str(props.referrer) ?? str(page.referrer);
  const title = str(props.title) ?? str(page.title);
  if (type === 'page') {
    delete props.url;
    delete props.referrer;
    delete props.title;
    delete props.path;
    delete props.search;
    if (typeof m.name === 'string') props.page_name = m.name;
  }
  const traits = isObject(m.traits) ? m.traits : undefined;
  const properties = { ...props, ...(traits ? { traits } : {}) };
  return {
    hit: defined({
      event_name: name,
      event_id: str(m.messageId),
      user_id: str(m.userId),
      client_id: str(m.anonymousId),
      page_url: url,
      referrer,
      page_title: title,
      language: str(context.locale),
      properties: Object.keys(properties).length ? properties : undefined,
    }),
    ip: context.ip,
    userAgent: context.userAgent,
    time: m.timestamp ?? m.originalTimestamp,
  };
}

/** Segment answers `200 {"success": true}`. */
export const segmentAnswer = (out: unknown) => ({ status: 200, body: { success: true, ...(out as object) } });
