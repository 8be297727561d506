import { parsers as p, setting } from '../setting.js';
import { listener } from './listener.js';

const path = () =>
  p.string({ min: 2, max: 200 }).regex(/^\/[A-Za-z0-9._~\-/]*$/, 'must be a URL path starting with /');

/** HTTP intake: ports, proxies, paths, limits, micro-batching, backpressure. */
export const collector = {
  ...listener({
    prefix: 'COLLECTOR',
    port: 8080,
    opsPort: 9103,
    name: 'the collector',
    serves: 'the collector (hits, tracker script)',
  }),
  publicUrl: setting('COLLECTOR_PUBLIC_URL', p.url(['http:', 'https:']), 'http://localhost:8080')`
    Public base URL of the collector as browsers reach it; used in the tracking snippet.`,
  trustProxy: setting('COLLECTOR_TRUST_PROXY', p.trustProxy(), '')`
    Proxies in front of the collector whose X-Forwarded-For is believed (visitor IP, geo and company come
    from it), in express 'trust proxy' syntax: addresses and CIDRs of YOUR load balancers (e.g.
    loopback,10.0.3.0/24), loopback/linklocal/uniquelocal, a hop count, or false. List only proxies you run:
    any client of a trusted address can set its IP. Empty = TRUST_PROXY.`,
  scriptPath: setting('COLLECTOR_SCRIPT_PATH', path(), '/v1/beacon.js')`
    Path of the tracker script. Change it (with the two below and the hit paths) when ad-blockers filter the
    defaults.`,
  extrasScriptPath: setting('COLLECTOR_EXTRAS_SCRIPT_PATH', path(), '/v1/beacon-extras.js')`
    Path of the optional second tracker file (forms, video, ecommerce helpers).`,
  vitalsScriptPath: setting('COLLECTOR_VITALS_SCRIPT_PATH', path(), '/v1/beacon-vitals.js')`
    Path of the optional web vitals tracker file (its own script tag after the snippet).`,
  trackPath: setting('COLLECTOR_TRACK_PATH', path(), '/v1/track')`
    Path that takes one hit (POST).`,
  batchPath: setting('COLLECTOR_BATCH_PATH', path(), '/v1/batch')`
    Path that takes {site_id, events:[...]} (POST) and answers the site's privacy switches to the tracker
    (GET ?site_id=).`,
  siteSettingsMaxAgeS: setting('COLLECTOR_SITE_SETTINGS_MAX_AGE_S', p.int(0, 86_400), 300)`
    Browser cache time (Cache-Control max-age) of the privacy switches the tracker fetches: a site's changed
    setting reaches tagged pages on their next load after at most this plus COLLECTOR_SITE_CACHE_TTL_MS.`,
  pixelPath: setting('COLLECTOR_PIXEL_PATH', path(), '/v1/pixel.gif')`
    Path of the 1x1 GIF for pages without JavaScript (GET).`,
  trackerDir: setting('COLLECTOR_TRACKER_DIR', p.path(), '')`
    Directory holding the built tracker files; empty = the @beacon-analytics/tracker build that \`beacon
    serve\` hands the collector (a collector started without the CLI then serves no script).`,
  maxHitBytes: setting('COLLECTOR_MAX_HIT_BYTES', p.int(1024, 16_777_216), 65_536)`
    Largest body of a single-hit request.`,
  maxBatchBytes: setting('COLLECTOR_MAX_BATCH_BYTES', p.int(1024, 67_108_864), 1_048_576)`
    Largest body of a batch request.`,
  maxBatchEvents: setting('COLLECTOR_MAX_BATCH_EVENTS', p.int(1, 100_000), 500)`
    Most events in one batch request.`,
  textMax: setting('COLLECTOR_TEXT_MAX', p.int(256, 1_000_000), 8192)`
    Characters kept of page_url and referrer (longer values are cut, not refused).`,
  jsonMaxDepth: setting('COLLECTOR_JSON_MAX_DEPTH', p.int(1, 64), 5)`
    Nesting depth allowed in properties, ecommerce_data and lead_data (1 = flat object).`,
  jsonMaxKeys: setting('COLLECTOR_JSON_MAX_KEYS', p.int(1, 100_000), 100)`
    Keys and array elements allowed over the whole of each of properties, ecommerce_data and lead_data.`,
  jsonStringMax: setting('COLLECTOR_JSON_STRING_MAX', p.int(16, 1_000_000), 1000)`
    Characters kept of each string inside properties, ecommerce_data and lead_data.`,
  siteCacheTtlMs: setting('COLLECTOR_SITE_CACHE_TTL_MS', p.int(0, 3_600_000), 5000)`
    How long a site lookup (status, allowed origins) is cached; a paused site is refused within this time.`,
  siteCacheMax: setting('COLLECTOR_SITE_CACHE_MAX', p.int(10, 10_000_000), 50_000)`
    Most site lookups (found or not) kept in memory.`,
  databasePoolMax: setting('COLLECTOR_DATABASE_POOL_MAX', p.int(1, 100), 5)`
    PostgreSQL connections of one collector (site lookups only; they are cached).`,
  batchWaitMs: setting('COLLECTOR_BATCH_WAIT_MS', p.int(0, 1000), 10)`
    Longest a hit waits for batch-mates: hits arriving within this many ms go into one queue job, sent sooner
    while fewer than COLLECTOR_BATCH_CONCURRENCY adds are in flight (0 = a job per request).`,
  batchMaxHits: setting('COLLECTOR_BATCH_MAX_HITS', p.int(1, 100_000), 500)`
    A micro-batch is sent to Redis as soon as it holds this many hits.`,
  batchConcurrency: setting('COLLECTOR_BATCH_CONCURRENCY', p.int(0, 64), 4)`
    Jobs being added to Redis at once before new hits wait for the window; hits gather meanwhile (low latency
    at low load, big jobs under load). 0 = always wait the full window.`,
  queueMaxJobs: setting('COLLECTOR_QUEUE_MAX_JOBS', p.int(1, 100_000_000), 20_000)`
    When the hits queue holds more waiting jobs than this, the collector answers 503 (backpressure).`,
  queueCheckMs: setting('COLLECTOR_QUEUE_CHECK_MS', p.int(100, 60_000), 1000)`
    How often the depth of the hits queue is read.`,
  maxPendingHits: setting('COLLECTOR_MAX_PENDING_HITS', p.int(1, 10_000_000), 50_000)`
    Hits held in memory waiting for Redis; beyond this the collector answers 503 instead of growing.`,
  enqueueTimeoutMs: setting('COLLECTOR_ENQUEUE_TIMEOUT_MS', p.int(50, 60_000), 2000)`
    A request waiting longer than this for Redis gets 503 (Redis slow or unreachable).`,
  retryAfterS: setting('COLLECTOR_RETRY_AFTER_S', p.int(1, 3600), 5)`
    Retry-After of 503 answers, in seconds.`,
  shutdownTimeoutMs: setting('COLLECTOR_SHUTDOWN_TIMEOUT_MS', p.int(100, 120_000), 10_000)`
    On SIGTERM: time allowed to finish requests and flush the micro-batch (keep below the orchestrator grace
    period).`,
};
