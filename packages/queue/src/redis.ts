import { Redis, type RedisOptions } from 'ioredis';

export { Redis } from 'ioredis';

/**
 * A Redis connection for one role. Producers fail fast (a request must not wait forever for a down
 * Redis: the collector answers 503 instead); blocking consumers (BullMQ workers) must have
 * maxRetriesPerRequest null, as BullMQ requires.
 */
export function createRedis(url: string, role: 'producer' | 'worker', extra: RedisOptions = {}): Redis {
  return new Redis(url, {
    maxRetriesPerRequest: role === 'worker' ? null : 1,
    enableOfflineQueue: role === 'worker',
    connectTimeout: 5_000,
    // Reconnect forever with a capped backoff; callers see errors meanwhile, not a dead client.
    retryStrategy: (times) => Math.min(100 * 2 ** Math.min(times, 6), 5_000),
    lazyConnect: false,
    ...extra,
  });
}
