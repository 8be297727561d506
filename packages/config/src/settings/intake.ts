import { parsers as p, setting } from '../setting.js';

const path = () =>
  p.string({ min: 2, max: 200 }).regex(/^\/[A-Za-z0-9._~\-/]*$/, 'must be a URL path starting with /');

/** The switch of one intake endpoint, on unless turned off; `what` completes "Serve ...". */
const serves = (env: string, what: string) => setting(env, p.bool(), true, `Serve ${what}`);

/**
 * Intake beyond the tracker (docs/server-side.md, docs/compatible-intake.md): server-side events,
 * the compatible endpoints of other analytics tools, and the ingestion health counts.
 */
export const intake = {
  serverEvents: serves(
    'INTAKE_SERVER_EVENTS',
    'POST INTAKE_SERVER_EVENTS_PATH: events sent by a backend with a site ingest token or an agency API key.',
  ),
  serverEventsPath: setting('INTAKE_SERVER_EVENTS_PATH', path(), '/v1/events')`
    Path of the server-side events endpoint (one event, or {events:[...]}); the collector refuses to start
    when another endpoint (COLLECTOR_*_PATH, a compatible intake's path) has it too.`,
  serverMaxPastS: setting('INTAKE_SERVER_MAX_PAST_S', p.int(0, 31 * 86_400), 72 * 3600)`
    How far in the past a server-side event may set its timestamp, in seconds; older or future (over 5
    minutes) timestamps are refused per event.`,
  plausible: serves('INTAKE_PLAUSIBLE', 'the Plausible Events API (POST /api/event, site by domain).'),
  umami: serves('INTAKE_UMAMI', 'the Umami collect endpoint (POST /api/send).'),
  ga4: serves(
    'INTAKE_GA4',
    'the GA4 Measurement Protocol (POST /mp/collect; api_secret = a site ingest token).',
  ),
  segment: serves(
    'INTAKE_SEGMENT',
    'the Segment-compatible API under /segment/v1/ (track, page, identify, batch; write key = a site ingest token).',
  ),
  tokenCacheTtlMs: setting('INTAKE_TOKEN_CACHE_TTL_MS', p.int(0, 600_000), 30_000)`
    How long the collector remembers an ingest token check; a revoked token stops within this time. Agency
    API keys sent to the collector follow API_KEY_CACHE_TTL_S and the API_LOGIN_* / API_BCRYPT_* limits, as
    at the API.`,
  healthFlushMs: setting('INGEST_HEALTH_FLUSH_MS', p.int(100, 600_000), 5_000)`
    How often the collector writes its ingestion health counts (one upsert each time; the enricher writes a
    job's counts with the job).`,
  healthRetentionDays: setting('INGEST_HEALTH_RETENTION_DAYS', p.int(1, 36_500), 400)`
    Days the ingestion health counts (per site and hour) are kept; older hours are deleted by the retention
    job.`,
} as const;
