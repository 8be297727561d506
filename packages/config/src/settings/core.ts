import { parsers as p, setting } from '../setting.js';

/** Settings every service reads: stores, logging. */
export const core = {
  logLevel: setting(
    'LOG_LEVEL',
    p.oneOf(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']),
    'info',
    'pino log level of every service: fatal, error, warn, info, debug, trace or silent.',
  ),
  databaseUrl: setting(
    'DATABASE_URL',
    p.url(['postgres:', 'postgresql:']),
    'postgres://postgres@127.0.0.1:5432/beacon',
    'PostgreSQL connection URL (PostgreSQL 15+).',
  ),
  databasePoolMax: setting(
    'DATABASE_POOL_MAX',
    p.int(1, 500),
    20,
    'Connections per service process in the pg pool (the seed says 20).',
  ),
  databaseStatementTimeoutMs: setting(
    'DATABASE_STATEMENT_TIMEOUT_MS',
    p.int(0, 86_400_000),
    30_000,
    'statement_timeout of pool connections, in ms (0 = none). Migrations and retention set their own.',
  ),
  redisUrl: setting(
    'REDIS_URL',
    p.url(['redis:', 'rediss:']),
    'redis://127.0.0.1:6379',
    'Redis 7 URL for the queues.',
  ),
  trustProxy: setting(
    'TRUST_PROXY',
    p.trustProxy(),
    'loopback',
    'Fallback of COLLECTOR_TRUST_PROXY and API_TRUST_PROXY when they are empty. Default: only a proxy on the same host (loopback). Private ranges are NOT trusted by default: on a shared network any client could forge its IP with X-Forwarded-For.',
  ),
  queuePrefix: setting(
    'QUEUE_PREFIX',
    p.string({ min: 1, max: 64 }).regex(/^[A-Za-z0-9_.-]+$/, 'letters, digits, _ . - only'),
    'beacon',
    'Key prefix of the BullMQ queues in Redis (lets several installations share one Redis).',
  ),
};
