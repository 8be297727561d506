import { parsers as p, setting } from '../setting.js';

const postgresUrl = () => p.url(['postgres:', 'postgresql:']);
const logLevels = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

/** Settings every service reads: stores, logging. */
export const core = {
  logLevel: setting('LOG_LEVEL', p.oneOf(logLevels), 'info')`
    pino log level of every service: fatal, error, warn, info, debug, trace or silent.`,
  databaseUrl: setting('DATABASE_URL', postgresUrl(), 'postgres://postgres@127.0.0.1:5432/beacon')`
    PostgreSQL connection URL (PostgreSQL 15+).`,
  databaseReadUrl: setting('DATABASE_READ_URL', postgresUrl(), '')`
    Optional streaming replica of DATABASE_URL for the API's dashboard reads (stats, companies, sessions,
    exports). Auth, administration and realtime stay on the primary; above DATABASE_READ_MAX_LAG_S of lag the
    API reads the primary.`,
  databaseReadMaxLagS: setting('DATABASE_READ_MAX_LAG_S', p.number(0.1, 3600), 10)`
    Most replication lag (seconds) at which dashboard reads still go to DATABASE_READ_URL; beyond it, or when
    the replica does not answer, they go to the primary.`,
  databaseReadLagCheckMs: setting('DATABASE_READ_LAG_CHECK_MS', p.int(100, 60_000), 1_000)`
    How often the API measures the replica's lag against the primary, in ms (also the precision of the lag
    figure).`,
  databaseProfile: setting('DATABASE_PROFILE', p.oneOf(['standard', 'citus']), 'standard')`
    Schema layout the database was migrated with: standard, or citus (\`beacon migrate --profile citus\`:
    events and sessions distributed by site_id; docs/scaling.md). The writer picks its session conflict
    target from it.`,
  databasePoolMax: setting('DATABASE_POOL_MAX', p.int(1, 500), 20)`
    Connections per service process in the pg pool (the seed says 20).`,
  databaseStatementTimeoutMs: setting('DATABASE_STATEMENT_TIMEOUT_MS', p.int(0, 86_400_000), 30_000)`
    statement_timeout of pool connections, in ms (0 = none). Migrations and retention set their own.`,
  redisUrl: setting('REDIS_URL', p.url(['redis:', 'rediss:']), 'redis://127.0.0.1:6379')`
    Redis 7 URL for the queues.`,
  redisClusterNodes: setting(
    'REDIS_CLUSTER_NODES',
    p
      .list()
      .refine(
        (nodes) => nodes.every((n) => /^[A-Za-z0-9_.:[\]-]+:\d{1,5}$/.test(n)),
        'a comma list of host:port seeds',
      ),
    [] as string[],
  )`
    Redis Cluster seed nodes (comma list of host:port). When set, every Redis client is a cluster client and
    REDIS_URL is ignored; each queue gets its own hash tag (docs/scaling.md).`,
  trustProxy: setting('TRUST_PROXY', p.trustProxy(), 'loopback')`
    Fallback of COLLECTOR_TRUST_PROXY and API_TRUST_PROXY when they are empty. Default: only a proxy on the
    same host (loopback). Private ranges are NOT trusted by default: on a shared network any client could
    forge its IP with X-Forwarded-For.`,
  queuePrefix: setting(
    'QUEUE_PREFIX',
    p.string({ min: 1, max: 64 }).regex(/^[A-Za-z0-9_.-]+$/, 'letters, digits, _ . - only'),
    'beacon',
  )`
    Key prefix of the BullMQ queues in Redis (lets several installations share one Redis).`,
};
