import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { ConfigError, type Config } from '@beacon/config';
import { createPool, type Pool } from '@beacon/db';
import {
  closeSequence,
  closeServer,
  listenWithOps,
  serviceObservability,
  type Logger,
  type ObservabilityOverrides,
} from '@beacon/observability';
import { connectRedis, type RedisClient } from '@beacon/queue';
import type { Registry } from 'prom-client';
import { ApiKeyVerifier } from '@beacon/auth';
import { BcryptGate } from './auth/bcrypt-gate.js';
import { ShareTokens } from './auth/share-tokens.js';
import { UnsubscribeLinks } from './reports/unsubscribe.js';
import { runTrafficAlerts } from './reports/alerts.js';
import { runQuotaWarnings } from './reports/quota.js';
import { runReports } from './reports/scheduler.js';
import { startAlerting } from './b2b/alerting.js';
import { AuthThrottle } from './auth/throttle.js';
import { AccessTokens } from './auth/tokens.js';
import { createApp, type ApiApp } from './app.js';
import type { ApiDeps } from './deps.js';
import { Mailer } from './email/mailer.js';
import { ReadReplicaRouter } from './read-replica.js';
import { apiOps } from './routes/ops.js';
import * as accountSql from './sql/account.js';
import * as authSql from './sql/auth.js';
import { ErasureRunner } from './privacy/runner.js';
import { ApiCallTally } from './api-calls.js';

export interface ApiOverrides extends ObservabilityOverrides {
  pool?: Pool;
  /** null: no Redis (login limits in process memory). Default: a connection to config.core.redisUrl. */
  redis?: RedisClient | null;
  /** Listen port (default config.api.port; tests pass 0). */
  port?: number;
  host?: string;
  /**
   * Port of the internal ops server (/metrics, detailed /readyz); 0 = ephemeral; null = none. Default:
   * API_OPS_PORT, or ephemeral when the API's port is configured or given as 0 (tests).
   */
  opsPort?: number | null;
  /** Directory of the built dashboard to serve at / (`beacon serve` passes @beacon/dashboard's); none when absent. */
  dashboardDir?: string;
}

export interface ApiHandle {
  port: number;
  /** Port of the internal /metrics and detailed /readyz (null when started without one). */
  opsPort: number | null;
  app: ApiApp;
  deps: ApiDeps;
  /** Stops accepting, lets requests in flight finish (bounded), then closes the pool and Redis it owns. */
  close(): Promise<void>;
}

/** The JWT secret from config; in development a random one (with a warning); in production required. */
export function resolveJwtSecret(config: Config, logger: Logger): string {
  if (config.api.jwtSecret) return config.api.jwtSecret;
  if (config.api.nodeEnv === 'production')
    throw new ConfigError([
      { env: 'API_JWT_SECRET', message: 'required when NODE_ENV=production (32+ random characters)' },
    ]);
  logger.warn(
    'API_JWT_SECRET is not set: using a random secret for this process only; dashboard logins end when it restarts and do not work across replicas',
  );
  return randomBytes(48).toString('base64url');
}

/** Builds the API's collaborators from config, with overrides for tests. */
export function buildDeps(
  config: Config,
  o: ApiOverrides = {},
): ApiDeps & { owned: { pool: boolean; redis: boolean } } {
  const { logger, registry, metrics } = serviceObservability('api', config, o);
  // First: a missing production secret must stop the start before anything is opened.
  const jwtSecret = resolveJwtSecret(config, logger);
  const pool =
    o.pool ??
    createPool({
      databaseUrl: config.core.databaseUrl,
      applicationName: 'beacon-api',
      max: config.core.databasePoolMax,
      statementTimeoutMs: config.core.databaseStatementTimeoutMs,
      jit: false,
      logger,
    });
  const replica = readReplica(config, pool, logger, registry);
  const redis = o.redis === undefined ? connectRedis(config.core, 'producer') : o.redis;
  redis?.on('error', (err) => logger.debug({ err }, 'redis error (login limits fall back to memory)'));
  let accepting = true;
  const { throttle, accountThrottle } = authThrottles(config, redis);
  const bcrypt = new BcryptGate(config.api.bcryptConcurrency, config.api.bcryptQueueMax, () =>
    metrics.authFailures.inc({ reason: 'busy' }),
  );
  const deps: ApiDeps & { owned: { pool: boolean; redis: boolean }; stop(): void } = {
    config,
    pool,
    reads: replica ? () => replica.reads() : () => pool,
    ...(replica ? { replica } : {}),
    logger,
    registry,
    metrics,
    redis,
    tokens: new AccessTokens(jwtSecret, config.api.accessTokenTtlS),
    apiKeys: new ApiKeyVerifier(pool, throttle, bcrypt, config.api.apiKeyCacheTtlS * 1000),
    throttle,
    accountThrottle,
    bcrypt,
    erasures: new ErasureRunner(pool, config, redis, logger),
    mailer: new Mailer(config, logger),
    reportLinks: new UnsubscribeLinks(jwtSecret),
    shares: new ShareTokens(jwtSecret, pool, redis, config.core.queuePrefix, config.api.shareRequestsPerMin),
    apiCalls: new ApiCallTally(),
    accepting: () => accepting,
    owned: { pool: !o.pool, redis: o.redis === undefined },
    stop: () => {
      accepting = false;
    },
  };
  return deps;
}

/** Dashboard reads from DATABASE_READ_URL while its lag is under the limit (none configured: undefined). */
function readReplica(
  config: Config,
  pool: Pool,
  logger: Logger,
  registry: Registry,
): ReadReplicaRouter | undefined {
  if (!config.core.databaseReadUrl) return undefined;
  const reads = createPool({
    databaseUrl: config.core.databaseReadUrl,
    applicationName: 'beacon-api-reads',
    max: config.core.databasePoolMax,
    statementTimeoutMs: config.core.databaseStatementTimeoutMs,
    jit: false,
    logger,
  });
  return new ReadReplicaRouter(pool, reads, {
    maxLagS: config.core.databaseReadMaxLagS,
    checkMs: config.core.databaseReadLagCheckMs,
    logger,
    registry,
  });
}

/**
 * Login limits, and those of reset requests and set-password tokens: their own budgets (separate keys),
 * so a flood of reset emails cannot lock out logins and the reverse. Same window and limits.
 */
function authThrottles(config: Config, redis: RedisClient | null) {
  const limits = {
    redis,
    maxPerIp: config.api.loginMaxFailuresPerIp,
    maxPerAccount: config.api.loginMaxFailuresPerAccount,
    windowS: config.api.loginWindowS,
  };
  return {
    throttle: new AuthThrottle({ ...limits, keyPrefix: config.core.queuePrefix }),
    accountThrottle: new AuthThrottle({ ...limits, keyPrefix: `${config.core.queuePrefix}:account` }),
  };
}

// Requests still running this long after SIGTERM are cut: shorter than a container's usual 30 s grace.
const DRAIN_MS = 10_000;
/** How often ended login sessions and used or expired account links are forgotten. */
const PURGE_EVERY_MS = 3_600_000;

/**
 * Starts the API: the express app on its port (routes, dashboard, public /healthz and /readyz) and the
 * internal ops server (/metrics, detailed /readyz) on API_OPS_PORT.
 */
export async function startApi(config: Config, overrides: ApiOverrides = {}): Promise<ApiHandle> {
  const deps = buildDeps(config, overrides) as ReturnType<typeof buildDeps> & { stop(): void };
  // The first lag measurement before the first request, so reads start where they belong.
  await deps.replica?.start();
  const app = createApp(deps, { dashboardDir: overrides.dashboardDir });
  const server: Server = createServer(app.app);
  server.keepAliveTimeout = 65_000;
  const { port, opsServer } = await listenWithOps(server, apiOps(deps), {
    host: overrides.host ?? config.api.host,
    port: config.api.port,
    opsPort: config.api.opsPort,
    portOverride: overrides.port,
    opsPortOverride: overrides.opsPort,
  });
  const opsPort = opsServer.port;
  const stopHousekeeping = startHousekeeping(deps);
  const stopApiCalls = deps.apiCalls.start(deps.pool, deps.logger);
  deps.erasures.resumeAll(); // requests a crash or a shutdown interrupted
  // Company alerts (docs/company-alerts.md): scores and alerts from what the writers committed; off in
  // a replica that only answers requests (API_BACKGROUND_JOBS=false).
  if (config.api.backgroundJobs) deps.alerts = startAlerting(deps);
  deps.logger.info({ port, opsPort }, 'api listening');
  const close = closeSequence(deps.logger, [
    ['stop accepting', () => (deps.stop(), stopHousekeeping(), deps.mailer.close())],
    ['server', () => closeServer(server, DRAIN_MS)],
    ['api call counts', stopApiCalls],
    ['erasures', () => deps.erasures.close()],
    ['company alerts', () => deps.alerts?.close()],
    ['ops server', () => opsServer.close()],
    ['pool', () => deps.owned.pool && deps.pool.end().catch(() => undefined)],
    ['read replica', () => deps.replica && (deps.replica.stop(), deps.replica.end().catch(() => undefined))],
    ['redis', () => deps.owned.redis && deps.redis?.disconnect()],
  ]);
  return { port, opsPort, app, deps, close };
}

/**
 * Monthly event quota warnings every QUOTA_CHECK_S on every replica with API_BACKGROUND_JOBS
 * (src/reports/quota.ts: the quota_warnings key sends each once). Minutes apart: each check counts the watched sites' events.
 */
function startQuotaChecks(deps: ApiDeps): NodeJS.Timeout | null {
  const every = deps.config.email.quotaCheckS;
  if (every <= 0 || !deps.config.api.backgroundJobs) return null;
  let running = false;
  const timer = setInterval(() => {
    if (running) return;
    running = true;
    runQuotaWarnings(deps)
      .catch((err: unknown) => deps.logger.error({ err }, 'quota check failed'))
      .finally(() => (running = false));
  }, every * 1000);
  timer.unref();
  return timer;
}

/**
 * The API's timers (unref: they never keep the process alive): hourly purges of ended login sessions
 * and account links, and the scheduled email reports and quota checks (only with API_BACKGROUND_JOBS).
 * Answers the function that stops them.
 */
function startHousekeeping(deps: ApiDeps): () => void {
  const { pool, logger, config } = deps;
  const purge = setInterval(() => {
    pool.query(authSql.purgeEndedSessions, [30]).then(
      (r) => r.rowCount && logger.info({ purged: r.rowCount }, 'ended login sessions purged'),
      (err: Error) => logger.warn({ err }, 'login session purge failed'),
    );
    pool
      .query(accountSql.purgeEndedTokens, [30])
      .catch((err: Error) => logger.warn({ err }, 'account link purge failed'));
  }, PURGE_EVERY_MS);
  purge.unref();
  // Scheduled email reports and traffic alerts: every replica ticks; the sent-log's unique key and SKIP
  // LOCKED claims keep each report to one email per period and recipient (src/reports/scheduler.ts).
  let reportsRunning = false;
  const reportsTimer =
    config.api.backgroundJobs && config.email.reportsTickS > 0
      ? setInterval(() => {
          if (reportsRunning) return;
          reportsRunning = true;
          runReports(deps)
            .then(() => runTrafficAlerts(deps))
            .catch((err: unknown) => logger.error({ err }, 'report scheduler pass failed'))
            .finally(() => (reportsRunning = false));
        }, config.email.reportsTickS * 1000)
      : null;
  reportsTimer?.unref();
  const quotaTimer = startQuotaChecks(deps);
  return () => {
    clearInterval(purge);
    if (reportsTimer) clearInterval(reportsTimer);
    if (quotaTimer) clearInterval(quotaTimer);
  };
}
