import { parsers as p, setting } from '../setting.js';

/**
 * CSV exports of the query API. An export holds a pooled PostgreSQL connection in a read-only
 * transaction (a server-side cursor) while the client downloads: these bound how long and how many.
 */
export const apiExports = {
  maxPerAgency: setting('API_EXPORT_MAX_PER_AGENCY', p.int(1, 1_000), 2)`
    CSV exports one agency may run at once on one API process; beyond it the API answers 429 with
    Retry-After.`,
  maxConcurrent: setting('API_EXPORT_MAX_CONCURRENT', p.int(1, 1_000), 4)`
    CSV exports all agencies together may run at once on one API process (keep well below DATABASE_POOL_MAX:
    each holds a connection).`,
  maxDurationS: setting('API_EXPORT_MAX_DURATION_S', p.int(1, 86_400), 300)`
    Longest a CSV export may run; past it the download is cut (the client sees a truncated response) and its
    connection is released. Narrow the range for bigger sites.`,
  stallTimeoutMs: setting('API_EXPORT_STALL_TIMEOUT_MS', p.int(100, 600_000), 15_000)`
    Longest a CSV export waits for a client to take more data once the socket buffers are full; past it the
    download is cut and its connection released (a slow but steady reader is cut by
    API_EXPORT_MAX_DURATION_S). PostgreSQL ends an export session left idle in its transaction 5 s after this
    (idle_in_transaction_session_timeout).`,
  retryAfterS: setting('API_EXPORT_RETRY_AFTER_S', p.int(1, 3_600), 30)`
    Retry-After of the 429 answered when the export limits are reached, in seconds.`,
};
