import { Cluster, Redis, type ClusterOptions, type RedisOptions } from 'ioredis';

export { Cluster, Redis } from 'ioredis';

/** A single-node client or a Redis Cluster client: BullMQ and every command Beacon sends take either. */
export type RedisClient = Redis | Cluster;

/** Where the queues live: one Redis (`REDIS_URL`) or a Redis Cluster (`REDIS_CLUSTER_NODES`). */
export interface RedisTarget {
  redisUrl: string;
  redisClusterNodes?: readonly string[];
}

/** Options of one role. */
function roleOptions(role: 'producer' | 'worker'): RedisOptions {
  return {
    maxRetriesPerRequest: role === 'worker' ? null : 1,
    enableOfflineQueue: role === 'worker',
    connectTimeout: 5_000,
    // Reconnect forever with a capped backoff; callers see errors meanwhile, not a dead client.
    retryStrategy: (times) => Math.min(100 * 2 ** Math.min(times, 6), 5_000),
    lazyConnect: false,
  };
}

/**
 * A Redis connection for one role. Producers fail fast (a request must not wait forever for a down
 * Redis: the collector answers 503 instead); blocking consumers (BullMQ workers) must have
 * maxRetriesPerRequest null, as BullMQ requires.
 */
export function createRedis(url: string, role: 'producer' | 'worker', extra: RedisOptions = {}): Redis {
  return new Redis(url, { ...roleOptions(role), ...extra });
}

/** Parses `host:port` (IPv6 as `[::1]:7000`). */
export function parseNode(node: string): { host: string; port: number } {
  const i = node.lastIndexOf(':');
  const host = node.slice(0, i).replace(/^\[(.*)\]$/, '$1');
  return { host, port: Number(node.slice(i + 1)) };
}

/**
 * The client for `target`: a cluster client when seed nodes are configured, else a single-node one.
 * On a cluster the role's options apply to every node connection; a producer still fails fast (no
 * offline queue), so the collector answers 503 during a failover instead of holding requests.
 */
export function connectRedis(
  target: RedisTarget,
  role: 'producer' | 'worker',
  extra: RedisOptions = {},
): RedisClient {
  const nodes = target.redisClusterNodes ?? [];
  if (nodes.length === 0) return createRedis(target.redisUrl, role, extra);
  const { retryStrategy, enableOfflineQueue, ...perNode } = { ...roleOptions(role), ...extra };
  const options: ClusterOptions = {
    redisOptions: perNode,
    enableOfflineQueue,
    clusterRetryStrategy: retryStrategy as ClusterOptions['clusterRetryStrategy'],
    // After a failover the slots move: refresh the map rather than follow MOVED replies one by one.
    slotsRefreshTimeout: 2_000,
    retryDelayOnFailover: 200,
    retryDelayOnClusterDown: 300,
    scaleReads: 'master',
  };
  return new Cluster(nodes.map(parseNode), options);
}

/** True when the client talks to a Redis Cluster. */
export function isCluster(client: RedisClient): client is Cluster {
  return (client as { isCluster?: boolean }).isCluster === true;
}

/**
 * The BullMQ prefix of one queue. On one Redis it is QUEUE_PREFIX (keys `beacon:hits:...`, as always).
 * On a cluster each queue gets its own hash tag, `{beacon-hits}`: BullMQ's scripts need every key of
 * a queue in one slot, and a tag per queue lets `hits` and `events` live on different shards. Keys the
 * consumer of a queue keeps beside it (the enricher's dedupe claims) use the same prefix, so they
 * share the queue's slot and one script per job stays valid.
 */
export function queuePrefixFor(
  core: { queuePrefix: string; redisClusterNodes?: readonly string[] },
  queue: string,
): string {
  return core.redisClusterNodes && core.redisClusterNodes.length > 0
    ? `{${core.queuePrefix}-${queue}}`
    : core.queuePrefix;
}
