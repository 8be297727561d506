import type { Request } from 'express';
import {
  CLIENT_HINT_HEADERS,
  FORBIDDEN_KEYS,
  HIT_JSON_FIELDS,
  HIT_NUMBER_FIELDS,
  canonicalIp,
  cleanText,
  cutText,
  formatIssues,
  HttpError,
  type HitSchema,
  type RawHit,
  type RawRequest,
} from '@beacon/schema';
import { badRequest } from './errors.js';
import { readBody } from './body.js';
import type { MicroBatcher } from './enqueue.js';
import type { CollectorHealth } from './health.js';
import type { CollectorMetrics } from '@beacon/observability';
import { originAllowed, type SiteCache, type Site } from './sites.js';
import { uuidv7 } from './uuid7.js';

export interface IntakeLimits {
  maxHitBytes: number;
  maxBatchBytes: number;
  maxBatchEvents: number;
}

export interface IntakeDeps {
  sites: SiteCache;
  batcher: MicroBatcher;
  schema: HitSchema;
  limits: IntakeLimits;
  metrics: CollectorMetrics;
  /** ingestion_health counts (received, rejected by reason) of known sites. */
  health?: CollectorHealth;
}

export interface Rejection {
  index: number;
  errors: string[];
}

/** Result of validating the events of one request. */
interface Validated {
  hits: RawHit[];
  rejected: Rejection[];
}

const USER_AGENT_MAX = 1024;
/** Answered with hits that came without a User-Agent (a backend, a curl test). */
export const NO_UA_WARNING =
  'no User-Agent: these hits will be dropped as bots (rule no_user_agent); send events from a backend to the server-side endpoint (docs/server-side.md)';
/** Answered when a site that requires consent gets hits without it (an old tracker, a bare pixel). */
export const CONSENT_WARNING =
  'the site requires consent and these hits carry none: they were dropped (counted as consent in ingestion health); the tracker sends consent: true once beacon.consent(true) was called, a pixel consent=1';
const HINT_MAX = 512;

/** The 202 body of a hit request. */
export interface Accepted {
  accepted: number;
  rejected: Rejection[];
  warnings?: string[];
}

/**
 * The hot path of the three hit routes: body → JSON → site → origin → zod per hit → stamp → micro-batch.
 * Each step throws an HttpError with a stable code; the route answers it as JSON (or the GIF).
 */
export function createIntake(deps: IntakeDeps) {
  return {
    /** POST track: one hit with its site_id. */
    track: async (req: Request): Promise<Accepted> => {
      const { consent, ...body } = parseObject(await readBody(req, deps.limits.maxHitBytes));
      return accept(deps, req, body.site_id, [body], { single: true, consent: hasConsent(consent) });
    },
    batch: (req: Request) => batch(deps, req),
    pixel: (req: Request) => pixel(deps, req),
  };
}

export type Intake = ReturnType<typeof createIntake>;

function validate(
  schema: HitSchema,
  events: readonly unknown[],
  receivedAt: number,
  serverTimestamp: string,
): Validated {
  const hits: RawHit[] = [];
  const rejected: Rejection[] = [];
  for (let i = 0; i < events.length; i++) {
    const ev = events[i];
    if (ev === null || typeof ev !== 'object' || Array.isArray(ev)) {
      rejected.push({ index: i, errors: ['event must be a JSON object'] });
      continue;
    }
    const bad = forbiddenKey(ev);
    if (bad) {
      rejected.push({ index: i, errors: [`key "${bad}" is not allowed`] });
      continue;
    }
    const r = schema.safeParse(ev);
    if (!r.success) {
      rejected.push({ index: i, errors: formatIssues(r.error.issues) });
      continue;
    }
    // Stamped once, here; never again downstream (DESIGN.md "Raw job").
    hits.push({ id: uuidv7(receivedAt), server_timestamp: serverTimestamp, ...r.data } as RawHit);
  }
  return { hits, rejected };
}

function requestFacts(req: Request, site: Site, hits: RawHit[]): RawRequest {
  const client_hints: Record<string, string> = {};
  for (const h of CLIENT_HINT_HEADERS) {
    const v = req.headers[h];
    if (typeof v === 'string') client_hints[h] = cutText(cleanText(v), HINT_MAX);
  }
  const ua = req.headers['user-agent'];
  return {
    site_id: site.scriptId,
    ip: clientIp(req),
    user_agent: ua ? cutText(cleanText(ua), USER_AGENT_MAX) : null,
    client_hints,
    origin: requestOrigin(req),
    hits,
  };
}

/** Counts refused hits of a request (metrics and, for a known site, its ingestion health). */
export function countRejections(metrics: CollectorMetrics, rejected: readonly Rejection[]): void {
  if (rejected.length === 0) return;
  metrics.hits.inc({ outcome: 'rejected' }, rejected.length);
  metrics.rejected.inc({ reason: 'invalid_hit' }, rejected.length);
}

/**
 * The active site named by `siteId` whose allowed origins include `origin` (undefined: not checked);
 * refused hits of a known site show in its ingestion health.
 */
export async function siteForHits(
  deps: Pick<IntakeDeps, 'sites' | 'health'>,
  siteId: unknown,
  count: number,
  origin: string | null | undefined,
): Promise<Site> {
  const site = await deps.sites.requireActive(siteId).catch((err: unknown) => {
    // A paused or deleted site exists: its refused hits show in its ingestion health.
    if (err instanceof HttpError && err.code.startsWith('site_') && typeof siteId === 'string')
      deps.health?.request(siteId, count, count, err.code);
    throw err;
  });
  if (origin !== undefined && !originAllowed(site, origin)) {
    deps.health?.request(site.scriptId, count, count, 'origin_not_allowed');
    throw new HttpError(
      403,
      'origin_not_allowed',
      `this origin may not send hits for site ${site.scriptId}`,
      {
        origin,
      },
    );
  }
  return site;
}

/** The 400 of a request none of whose hits is valid. */
export function noValidHit(single: boolean, rejected: Rejection[], what = 'hit'): HttpError {
  return badRequest(
    single ? 'invalid_hit' : 'invalid_hits',
    single ? `the ${what} is invalid: ${rejected[0]!.errors.join('; ')}` : 'no event of the batch is valid',
    { accepted: 0, rejected },
  );
}

/**
 * The request's consent flag (batch and track bodies: `consent: true`; the pixel: `consent=1`): the
 * tracker sets it once the page called beacon.consent(true).
 */
function hasConsent(v: unknown): boolean {
  return v === true || v === 1 || v === '1' || v === 'true';
}

/** Validates, stamps and enqueues `events` for the site named by `siteId`; returns the 202 body. */
async function accept(
  deps: IntakeDeps,
  req: Request,
  siteId: unknown,
  events: readonly unknown[],
  { single = false, consent = false }: { single?: boolean; consent?: boolean },
): Promise<Accepted> {
  const { metrics, health } = deps;
  const site = await siteForHits(deps, siteId, events.length, requestOrigin(req));
  const receivedAt = Date.now();
  const { hits, rejected } = validate(deps.schema, events, receivedAt, new Date(receivedAt).toISOString());
  countRejections(metrics, rejected);
  health?.request(site.scriptId, events.length, rejected.length, 'invalid_hit');
  if (hits.length === 0) throw noValidHit(single, rejected);
  // Site policy, like a bot drop: answered 202 (a retry would not help) and counted with its reason.
  if (site.config.require_consent && !consent) {
    health?.add(site.scriptId, 'dropped', 'consent', hits.length, receivedAt);
    metrics.hits.inc({ outcome: 'dropped_consent' }, hits.length);
    return { accepted: hits.length, rejected, warnings: [CONSENT_WARNING] };
  }
  const facts = requestFacts(req, site, hits);
  await deps.batcher.add(facts);
  metrics.hits.inc({ outcome: 'accepted' }, hits.length);
  // Not silent: a browser always sends a User-Agent, so the enricher's bot rule drops these hits.
  if (facts.user_agent === null) return { accepted: hits.length, rejected, warnings: [NO_UA_WARNING] };
  return { accepted: hits.length, rejected };
}

/** POST batch: {site_id, events:[...]}. */
async function batch(deps: IntakeDeps, req: Request): Promise<Accepted> {
  const body = parseObject(await readBody(req, deps.limits.maxBatchBytes));
  const events = batchEvents(body.events, deps.limits.maxBatchEvents);
  return accept(deps, req, body.site_id, events, { consent: hasConsent(body.consent) });
}

/** The events of a batch body: a non-empty array of at most `max` entries (else a 400 or 413). */
export function batchEvents(events: unknown, max: number, what = 'hits'): unknown[] {
  if (!Array.isArray(events)) throw badRequest('invalid_batch', `events must be an array of ${what}`);
  if (events.length === 0) throw badRequest('invalid_batch', 'events is empty');
  if (events.length > max)
    throw new HttpError(413, 'too_many_events', `a batch holds at most ${max} events`, {
      limit: max,
      received: events.length,
    });
  return events;
}

/** GET pixel: the hit in the query string (JSON fields as JSON text, numbers as text). */
async function pixel(deps: IntakeDeps, req: Request): Promise<Accepted> {
  const q = req.url.indexOf('?');
  const params = new URLSearchParams(q >= 0 ? req.url.slice(q + 1) : '');
  const hit: Record<string, unknown> = {};
  for (const [k, v] of params) {
    if (FORBIDDEN_KEYS.has(k)) throw badRequest('forbidden_key', `key "${k}" is not allowed`);
    if (k in hit) continue;
    if (HIT_NUMBER_FIELDS.has(k)) hit[k] = v.trim() === '' ? undefined : Number(v);
    else if (HIT_JSON_FIELDS.has(k)) hit[k] = parseJsonParam(k, v);
    else hit[k] = v;
  }
  hit.event_name ??= 'page_view';
  // An <img> request's Referer is the page that shows it.
  if (hit.page_url === undefined && typeof req.headers.referer === 'string')
    hit.page_url = req.headers.referer;
  const { site_id: siteId, consent, ...rest } = hit;
  return accept(deps, req, siteId, [rest], { single: true, consent: hasConsent(consent) });
}

/** Accepted content types: JSON, or text/plain as navigator.sendBeacon sends a string (no preflight). */
export function checkContentType(req: Request): void {
  const type = req.headers['content-type'];
  if (type === undefined) return;
  const base = type.split(';', 1)[0]!.trim().toLowerCase();
  if (base === 'application/json' || base === 'text/plain' || base === '') return;
  throw new HttpError(
    415,
    'unsupported_media_type',
    `content type ${JSON.stringify(base)} is not accepted; send application/json or text/plain`,
  );
}

export function parseObject(text: string): Record<string, unknown> {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch (err) {
    throw badRequest('invalid_json', `the body is not valid JSON: ${(err as Error).message.slice(0, 200)}`);
  }
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    throw badRequest('invalid_body', 'the body must be a JSON object');
  }
  const bad = forbiddenKey(body);
  if (bad) throw badRequest('forbidden_key', `key "${bad}" is not allowed`);
  return body as Record<string, unknown>;
}

function parseJsonParam(name: string, text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw badRequest('invalid_hit', `the hit is invalid: ${name}: must be JSON text`);
  }
}

/** Top-level keys that could pollute prototypes (nested JSON fields are checked by the hit schema). */
export function forbiddenKey(obj: object): string | undefined {
  if (Object.hasOwn(obj, '__proto__')) return '__proto__';
  if (Object.hasOwn(obj, 'constructor')) return 'constructor';
  if (Object.hasOwn(obj, 'prototype')) return 'prototype';
  return undefined;
}

/** req.ip honours X-Forwarded-For from trusted proxies only (express 'trust proxy'); canonical text (IPv4-mapped IPv6 unwrapped). */
export function clientIp(req: Request): string | null {
  return req.ip ? canonicalIp(req.ip) : null;
}

/** The Origin header, or the origin of the Referer when there is none (sendBeacon and <img> send a Referer). */
export function requestOrigin(req: Request): string | null {
  const origin = req.headers.origin;
  if (origin && origin !== 'null') return cutText(cleanText(origin), 255);
  const referer = req.headers.referer;
  if (!referer) return null;
  try {
    return new URL(referer).origin;
  } catch {
    return null;
  }
}
