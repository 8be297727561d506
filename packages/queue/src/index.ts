export {
  Cluster,
  connectRedis,
  createRedis,
  isCluster,
  parseNode,
  queuePrefixFor,
  Redis,
  type RedisClient,
  type RedisTarget,
} from './redis.js';
export { QUEUE_HITS, QUEUE_EVENTS } from '@beacon/schema';
export { FailedJobSweeper, failedJobReason, type FailedJobSweeperOptions } from './failed-jobs.js';
export { dedupeMarkerKey, deleteDedupeMarkers } from './dedupe-markers.js';
