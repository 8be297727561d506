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
export {
  addEventsJob,
  addRawJob,
  eventsWorker,
  EVENTS_JOB_OPTIONS,
  hitsWorker,
  openEventsQueue,
  openHitsQueue,
  RAW_JOB_OPTIONS,
  type ConsumerLocks,
  type QueueName,
  type QueueSettings,
} from './queues.js';
export { queueDepthGauge } from './depth-gauge.js';
export { FailedJobSweeper, failedJobReason, type FailedJobSweeperOptions } from './failed-jobs.js';
export { dedupeMarkerKey, deleteDedupeMarkers } from './dedupe-markers.js';
export {
  ConsumerWatchdog,
  onOwnConnection,
  stallTiming,
  type ConsumerWatchdogOptions,
  type Incarnation,
} from './consumer-watchdog.js';
