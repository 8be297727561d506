import type { RedisClient } from './redis.js';

/**
 * Client-retry dedupe markers (set by the enricher, services/enricher/src/dedupe.ts, which builds the
 * same key): `<prefix>:dedupe:<site_id>:<event_id>`, value the id of the hit that claimed it. The prefix
 * is the `hits` queue's (`queuePrefixFor(core, QUEUE_HITS)`): on a cluster every marker shares that
 * queue's hash slot, so one multi-key DEL is valid.
 * An erasure deletes those of the person's recent events (docs/privacy-rights.md).
 */
export function dedupeMarkerKey(prefix: string, siteId: string, eventId: string): string {
  return `${prefix}:dedupe:${siteId}:${eventId}`;
}

/** Deletes the markers of `site_id:event_id` pairs; answers how many existed. */
export async function deleteDedupeMarkers(
  redis: RedisClient,
  prefix: string,
  pairs: readonly string[],
): Promise<number> {
  let deleted = 0;
  for (let i = 0; i < pairs.length; i += 500) {
    const keys = pairs.slice(i, i + 500).map((p) => `${prefix}:dedupe:${p}`);
    if (keys.length) deleted += await redis.del(...keys);
  }
  return deleted;
}
