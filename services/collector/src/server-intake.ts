import {
  canonicalIp,
  cleanText,
  cutText,
  formatIssues,
  type HitSchema,
  type IntakeSource,
  type RawHit,
  type RawRequest,
} from '@beacon/schema';
import type { MicroBatcher } from './enqueue.js';
import type { CollectorHealth } from './health.js';
import { countRejections, forbiddenKey, noValidHit, siteForHits, type Rejection } from './intake.js';
import type { CollectorMetrics } from '@beacon/observability';
import type { SiteCache } from './sites.js';
import { uuidv7 } from './uuid7.js';

/** One event of a non-tracker intake, already mapped onto the wire Hit fields. */
export interface ForeignEvent {
  /** Wire Hit fields (event_name, event_id, page_url, ...); validated by the hit schema here. */
  hit: Record<string, unknown>;
  /** The visitor's IP as the sender states it (server-side) or the request's (browser-side intakes). */
  ip?: unknown;
  userAgent?: unknown;
  /** When the event happened (ms since the epoch or ISO 8601); default: now. */
  time?: unknown;
  /** Origin of a browser request (allowed-origins check is the caller's). */
  origin?: string | null;
  /** The caller could not map the event: rejected with this message. */
  error?: string;
}

export interface SubmitOptions {
  source: IntakeSource;
  /** Sent by an authenticated backend: bot rules flag, never drop (RawRequest.server_side). */
  serverSide: boolean;
  /** One event (a 400 names its errors) rather than a batch. */
  single?: boolean;
  /** Set for unauthenticated browser-side intakes: the request's origin, checked against allowed_origins. */
  browserOrigin?: string | null;
}

export interface ServerIntakeDeps {
  sites: SiteCache;
  batcher: MicroBatcher;
  schema: HitSchema;
  metrics: CollectorMetrics;
  health?: CollectorHealth;
  /** How far back a sender may date an event (INTAKE_SERVER_MAX_PAST_S), in ms. */
  maxPastMs: number;
}

/** A sender's clock may run ahead a little; more is refused. */
const MAX_FUTURE_MS = 5 * 60_000;
const USER_AGENT_MAX = 1024;

/**
 * The shared path of hits that do not come from the tracker (POST /v1/events and the compatible
 * intakes): the site must be active; each event is checked like a tracker hit (the hit schema), may
 * carry its own IP, user agent and time (within the past window: it becomes the event's
 * server_timestamp, the time sessions and reports use), is stamped with a UUIDv7 of its receipt and
 * goes into the same micro-batch as tracker hits, so dedupe by event_id, enrichment, dead letters and
 * exactly-once are the browser path's. Events of one request are grouped by (IP, user agent) into raw
 * requests. Returns the 202 body; throws an HttpError when no event is valid.
 */
export function createServerIntake(deps: ServerIntakeDeps) {
  return {
    submit: (siteId: string, events: readonly ForeignEvent[], opts: SubmitOptions) =>
      submit(deps, siteId, events, opts),
  };
}

async function submit(
  deps: ServerIntakeDeps,
  siteId: string,
  events: readonly ForeignEvent[],
  opts: SubmitOptions,
): Promise<{ accepted: number; rejected: Rejection[] }> {
  const site = await siteForHits(deps, siteId, events.length, opts.browserOrigin);
  const receivedAt = Date.now();
  const rejected: Rejection[] = [];
  const groups = new Map<string, RawRequest>();
  events.forEach((ev, index) => {
    const checked = checkEvent(deps, ev, receivedAt);
    if ('errors' in checked) {
      rejected.push({ index, errors: checked.errors });
      return;
    }
    const { ip, ua } = checked;
    const key = `${ip ?? ''}\n${ua ?? ''}\n${ev.origin ?? ''}`;
    let request = groups.get(key);
    if (!request) {
      request = {
        site_id: site.scriptId,
        ip,
        user_agent: ua,
        client_hints: {},
        origin: ev.origin ?? null,
        source: opts.source,
        server_side: opts.serverSide,
        hits: [],
      };
      groups.set(key, request);
    }
    request.hits.push(checked.hit);
  });
  const accepted = events.length - rejected.length;
  countRejections(deps.metrics, rejected);
  deps.health?.request(site.scriptId, events.length, rejected.length, 'invalid_hit');
  if (accepted === 0) throw noValidHit(opts.single ?? false, rejected, 'event');
  await Promise.all([...groups.values()].map((r) => deps.batcher.add(r)));
  deps.metrics.hits.inc({ outcome: 'accepted' }, accepted);
  return { accepted, rejected };
}

/** One event checked and stamped (its IP and user agent as the sender gave them), or its errors. */
function checkEvent(
  deps: ServerIntakeDeps,
  ev: ForeignEvent,
  receivedAt: number,
): { hit: RawHit; ip: string | null; ua: string | null } | { errors: string[] } {
  const errors: string[] = ev.error ? [ev.error] : [];
  const bad = forbiddenKey(ev.hit);
  if (bad) errors.push(`key "${bad}" is not allowed`);
  const at = timeOf(ev.time, receivedAt, deps.maxPastMs);
  if (typeof at === 'string') errors.push(at);
  let ip: string | null = null;
  if (ev.ip !== undefined && ev.ip !== null && ev.ip !== '') {
    ip = typeof ev.ip === 'string' ? canonicalIp(ev.ip) : null;
    if (ip === null) errors.push('ip: must be an IPv4 or IPv6 address');
  }
  let ua: string | null = null;
  if (ev.userAgent !== undefined && ev.userAgent !== null && ev.userAgent !== '') {
    if (typeof ev.userAgent !== 'string') errors.push('user_agent: must be a string');
    else ua = cutText(cleanText(ev.userAgent), USER_AGENT_MAX);
  }
  const parsed = errors.length ? null : deps.schema.safeParse({ ...ev.hit, timestamp: at });
  if (parsed && !parsed.success) errors.push(...formatIssues(parsed.error.issues));
  if (errors.length || !parsed?.success) return { errors };
  const when = new Date(at as number).toISOString();
  return { hit: { id: uuidv7(receivedAt), server_timestamp: when, ...parsed.data } as RawHit, ip, ua };
}

/** When the event happened (ms, at most now), or why its time is refused. */
function timeOf(value: unknown, now: number, maxPastMs: number): number | string {
  if (value === undefined || value === null) return now;
  const ms =
    typeof value === 'number'
      ? value
      : typeof value === 'string' && value.trim() !== ''
        ? /^\d+$/.test(value.trim())
          ? Number(value)
          : Date.parse(value)
        : NaN;
  if (!Number.isFinite(ms)) return 'timestamp: must be ms since the epoch or an ISO 8601 date';
  if (ms > now + MAX_FUTURE_MS) return 'timestamp: is in the future';
  if (ms < now - maxPastMs)
    return `timestamp: is older than the allowed window (${Math.round(maxPastMs / 3_600_000)} h)`;
  return Math.min(Math.trunc(ms), now);
}

export type ServerIntake = ReturnType<typeof createServerIntake>;
