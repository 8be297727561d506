import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { createServer, type Server } from 'node:http';
import type { Config } from '@beacon/config';
import { createPool, type Pool } from '@beacon/db';
import { createLogger, createRegistry, startOpsServer, type Logger } from '@beacon/observability';
import { connectRedis, type RedisClient } from '@beacon/queue';
import type { Registry } from 'prom-client';
import { ApiKeyVerifier } from './auth/api-keys.js';
import { BcryptGate } from './auth/bcrypt-gate.js';
import { ShareTokens } from './auth/share-tokens.js';
import { UnsubscribeLinks } from './reports/unsubscribe.js';
import { runTrafficAlerts } from './reports/alerts.js';
import { runReports } from './reports/scheduler.js';
import { startAlerting } from './b2b/alerting.js';
import { AuthThrottle } from './auth/throttle.js';
import { AccessTokens } from './auth/tokens.js';
import { createApp, type ApiApp } from './app.js';
import type { ApiDeps } from './deps.js';
import { Mailer } from './email/mailer.js';
import { createApiMetrics } from './metrics.js';
import { ReadReplicaRouter } from './read-replica.js';
import { apiOps } from './routes/ops.js';
import * as accountSql from './sql/account.js';
import * as authSql from './sql/auth.js';
import { ErasureRunner } from './privacy/runner.js';

export class ApiConfigError extends Error {
  override readonly name = 'ApiConfigError';
}

export interface ApiOverrides {
  pool?: Pool;
  logger?: Logger;
  registry?: Registry;
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
    throw new ApiConfigError('API_JWT_SECRET is required when NODE_ENV=production (32+ random characters)');
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
  const logger = o.logger ?? createLogger('api', config.core.logLevel);
  // First: a missing production secret must stop the start before anything is opened.
  const jwtSecret = resolveJwtSecret(config, logger);
  const registry = o.registry ?? createRegistry('api');
  const pool =
    o.pool ??
    createPool({
      databaseUrl: config.core.databaseUrl,
      applicationName: 'beacon-api',
      max: config.core.databasePoolMax,
      statementTimeoutMs: config.core.databaseStatementTimeoutMs,
      logger,
    });
  const replica = config.core.databaseReadUrl
    ? new ReadReplicaRouter(
        pool,
        createPool({
          databaseUrl: config.core.databaseReadUrl,
          applicationName: 'beacon-api-reads',
          max: config.core.databasePoolMax,
          statementTimeoutMs: config.core.databaseStatementTimeoutMs,
          logger,
        }),
        {
          maxLagS: config.core.databaseReadMaxLagS,
          checkMs: config.core.databaseReadLagCheckMs,
          logger,
          registry,
        },
      )
    : undefined;
  const redis = o.redis === undefined ? connectRedis(config.core, 'producer') : o.redis;
  redis?.on('error', (err) => logger.debug({ err }, 'redis error (login limits fall back to memory)'));
  let accepting = true;
  const metrics = createApiMetrics(registry);
  const throttle = new AuthThrottle({
    redis,
    keyPrefix: config.core.queuePrefix,
    maxPerIp: config.api.loginMaxFailuresPerIp,
    maxPerAccount: config.api.loginMaxFailuresPerAccount,
    windowS: config.api.loginWindowS,
  });
  // Reset requests and set-password tokens have their own budgets (separate keys), so a flood of reset
  // emails cannot lock out logins and the reverse. Same window and limits as logins.
  const accountThrottle = new AuthThrottle({
    redis,
    keyPrefix: `${config.core.queuePrefix}:account`,
    maxPerIp: config.api.loginMaxFailuresPerIp,
    maxPerAccount: config.api.loginMaxFailuresPerAccount,
    windowS: config.api.loginWindowS,
  });
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
    accepting: () => accepting,
    owned: { pool: !o.pool, redis: o.redis === undefined },
    stop: () => {
      accepting = false;
    },
  };
  return deps;
}

// Requests still running this long after SIGTERM are cut: shorter than a container's usual 30 s grace.
const DRAIN_MS = 10_000;

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
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(overrides.port ?? config.api.port, overrides.host ?? config.api.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const ephemeral = config.api.port === 0 || overrides.port === 0;
  const wantedOps = overrides.opsPort !== undefined ? overrides.opsPort : ephemeral ? 0 : config.api.opsPort;
  let opsServer: Server | null = null;
  try {
    if (wantedOps !== null)
      opsServer = await startOpsServer(apiOps(deps), wantedOps, overrides.host ?? config.api.host);
  } catch (err) {
    server.close();
    throw err;
  }
  const opsPort = opsServer ? (opsServer.address() as AddressInfo).port : null;
  // Hourly, forget login sessions that ended over 30 days ago (unref: never keeps the process alive).
  const purge = setInterval(() => {
    deps.pool.query(authSql.purgeEndedSessions, [30]).then(
      (r) => r.rowCount && deps.logger.info({ purged: r.rowCount }, 'ended login sessions purged'),
      (err: Error) => deps.logger.warn({ err }, 'login session purge failed'),
    );
  }, 3_600_000);
  purge.unref();
  deps.erasures.resumeAll(); // requests a crash or a shutdown interrupted
  // Daily-ish too: one-time account links that ended (used or expired) over 30 days ago.
  const purgeLinks = setInterval(() => {
    deps.pool
      .query(accountSql.purgeEndedTokens, [30])
      .catch((err: Error) => deps.logger.warn({ err }, 'account link purge failed'));
  }, 3_600_000);
  purgeLinks.unref();
  // Scheduled email reports: every replica ticks; the sent-log's unique key and SKIP LOCKED claims
  // keep each report to one email per period and recipient (src/reports/scheduler.ts).
  let reportsRunning = false;
  const reportsTimer =
    config.email.reportsTickS > 0
      ? setInterval(() => {
          if (reportsRunning) return;
          reportsRunning = true;
          runReports(deps)
            .then(() => runTrafficAlerts(deps))
            .catch((err: unknown) => deps.logger.error({ err }, 'report scheduler pass failed'))
            .finally(() => (reportsRunning = false));
        }, config.email.reportsTickS * 1000)
      : null;
  reportsTimer?.unref();
  // Company alerts (docs/company-alerts.md): scores and alerts from what the writers committed.
  deps.alerts = startAlerting(deps);
  deps.logger.info({ port, opsPort }, 'api listening');
  let closing: Promise<void> | undefined;
  return {
    port,
    opsPort,
    app,
    deps,
    close() {
      closing ??= (async () => {
        deps.stop();
        clearInterval(purge);
        clearInterval(purgeLinks);
        if (reportsTimer) clearInterval(reportsTimer);
        await deps.alerts?.close();
        deps.mailer.close();
        const closed = new Promise<void>((resolve) => server.close(() => resolve()));
        server.closeIdleConnections();
        const timer = setTimeout(() => server.closeAllConnections(), DRAIN_MS);
        await closed;
        clearTimeout(timer);
        await deps.erasures.close();
        if (opsServer) {
          const opsClosed = new Promise<void>((resolve) => opsServer.close(() => resolve()));
          opsServer.closeAllConnections();
          await opsClosed;
        }
        if (deps.owned.pool) await deps.pool.end().catch(() => undefined);
        if (deps.replica) {
          deps.replica.stop();
          await deps.replica.end().catch(() => undefined);
        }
        if (deps.owned.redis && deps.redis) deps.redis.disconnect();
      })();
      return closing;
    },
  };
}
