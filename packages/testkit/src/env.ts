import { randomBytes } from 'node:crypto';

/**
 * Where tests find the machine's real servers. Pinned to the local services whatever a developer's
 * .env says; override with TEST_PG_ADMIN_URL / TEST_REDIS_URL only on purpose.
 */
export const PG_ADMIN_URL = process.env.TEST_PG_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
export const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

/** Name of the migrated template database of this test run (set by the jest global setup). */
export const TEMPLATE_ENV = 'BEACON_TEST_TEMPLATE_DB';

export function dbUrl(name: string): string {
  const url = new URL(PG_ADMIN_URL);
  url.pathname = `/${name}`;
  return url.toString();
}

/**
 * The settings of an API a test starts in its own process (startApi): the test's database with a small
 * pool, silent logs, its own queue prefix and a fresh JWT secret, cookies over plain HTTP.
 */
export function apiTestEnv(databaseUrl: string, queuePrefix: string): Record<string, string> {
  return {
    DATABASE_URL: databaseUrl,
    DATABASE_POOL_MAX: '5',
    LOG_LEVEL: 'silent',
    NODE_ENV: 'test',
    QUEUE_PREFIX: queuePrefix,
    API_JWT_SECRET: randomBytes(32).toString('hex'),
    API_COOKIE_SECURE: 'false',
  };
}

/**
 * The settings of a collector a test starts in its own process (startCollector): the test's database,
 * the machine's Redis under its own queue prefix, free loopback ports, silent logs.
 */
export function collectorTestEnv(databaseUrl: string, queuePrefix: string): Record<string, string> {
  return {
    DATABASE_URL: databaseUrl,
    REDIS_URL,
    QUEUE_PREFIX: queuePrefix,
    LOG_LEVEL: 'silent',
    COLLECTOR_HOST: '127.0.0.1',
    COLLECTOR_PORT: '0',
    COLLECTOR_OPS_PORT: '0',
  };
}
