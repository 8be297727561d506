export { createRedis, Redis } from './redis.js';
export { QUEUE_HITS, QUEUE_EVENTS } from '@beacon/schema';
export { FailedJobSweeper, failedJobReason, type FailedJobSweeperOptions } from './failed-jobs.js';
