import type { Redis } from '@beacon/queue';

/**
 * Client-retry dedupe (DESIGN.md "Conventions"): one event per (site_id, event_id) within the TTL.
 * Per job, one pipelined `SET key <hit id> NX GET EX ttl` per hit that has an event_id:
 * - nil            → this hit claimed the event_id: keep it;
 * - its own hit id → the same hit seen again (the job was retried): keep it, so a retried job yields
 *                    the same rows;
 * - another id     → a client retry of an event another hit already claimed: drop as 'duplicate'.
 * Returns, per input, whether the hit is kept. Throws when Redis fails (the job is retried).
 */
export async function claimEventIds(
  redis: Redis,
  keyPrefix: string,
  ttlSeconds: number,
  claims: readonly { siteId: string; eventId: string; hitId: string }[],
): Promise<boolean[]> {
  if (claims.length === 0) return [];
  const pipeline = redis.pipeline();
  for (const c of claims)
    pipeline.call(
      'SET',
      `${keyPrefix}:dedupe:${c.siteId}:${c.eventId}`,
      c.hitId,
      'NX',
      'GET',
      'EX',
      String(ttlSeconds),
    );
  const results = (await pipeline.exec()) ?? [];
  return claims.map((c, i) => {
    const r = results[i];
    if (!r) throw new Error('dedupe: missing pipeline reply');
    const [err, value] = r;
    if (err) throw err;
    return value === null || value === c.hitId;
  });
}
