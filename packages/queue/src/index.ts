export { createRedis, Redis } from './redis.js';
export { QUEUE_HITS, QUEUE_EVENTS } from '@beacon/schema';
export { dedupeMarkerKey, deleteDedupeMarkers } from './dedupe-markers.js';
