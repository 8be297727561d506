import type { ReadinessCheck } from './health.js';

/** PostgreSQL answers a query (any pg Pool or client). */
export function postgresCheck(pool: { query(sql: string): Promise<unknown> }): ReadinessCheck {
  return { name: 'postgres', check: async () => void (await pool.query('SELECT 1')) };
}

/** Redis answers PING (a single node or a cluster client). */
export function redisCheck(redis: { ping(): Promise<string> }): ReadinessCheck {
  return { name: 'redis', check: async () => ({ ok: (await redis.ping()) === 'PONG' }) };
}

/** What every service needs to be ready: PostgreSQL and Redis both answer. */
export function storeChecks(
  pool: { query(sql: string): Promise<unknown> },
  redis: { ping(): Promise<string> },
): ReadinessCheck[] {
  return [postgresCheck(pool), redisCheck(redis)];
}
