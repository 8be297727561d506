import { randomUUID } from 'node:crypto';
import { createRedis, type Redis } from '@beacon/queue';
import { REDIS_URL, uniquePrefix } from '@beacon/testkit';
import { claimEventIds } from '../src/dedupe.js';

// Real Redis (shared server, a unique key prefix). One script call per job claims every event_id.

let redis: Redis;
let prefix: string;

beforeAll(() => {
  redis = createRedis(REDIS_URL, 'worker');
  prefix = uniquePrefix('dedupe');
});

afterAll(async () => {
  const keys = await redis.keys(`${prefix}:*`);
  if (keys.length) await redis.del(...keys);
  await redis.quit();
});

const claim = (siteId: string, eventId: string, hitId: string) => ({ siteId, eventId, hitId });

describe('claimEventIds', () => {
  it('keeps the first hit of an event, drops a client retry, keeps a retried job its own hits', async () => {
    const [h1, h2, h3, h4] = [randomUUID(), randomUUID(), randomUUID(), randomUUID()];
    const job1 = [claim('s1', 'e1', h1), claim('s1', 'e2', h2), claim('s1', 'e1', h3)];
    // Within one job the second hit of e1 is a client retry of the first.
    expect(await claimEventIds(redis, prefix, 60, job1)).toEqual([true, true, false]);
    // The same job again (a retried raw job): its own hits are kept, the retry still dropped.
    expect(await claimEventIds(redis, prefix, 60, job1)).toEqual([true, true, false]);
    // Another job: e1 on the same site is a duplicate, on another site a new event.
    expect(await claimEventIds(redis, prefix, 60, [claim('s1', 'e1', h4), claim('s2', 'e1', h4)])).toEqual([
      false,
      true,
    ]);
    // The marker records the hit that claimed it, with the TTL.
    expect(await redis.get(`${prefix}:dedupe:s1:e1`)).toBe(h1);
    const ttl = await redis.ttl(`${prefix}:dedupe:s1:e2`);
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(60);
  });

  it('answers in order for a job of many claims, and nothing for none', async () => {
    expect(await claimEventIds(redis, prefix, 60, [])).toEqual([]);
    const claims = Array.from({ length: 500 }, (_, i) => claim('big', `e${i % 250}`, randomUUID()));
    const keep = await claimEventIds(redis, prefix, 60, claims);
    expect(keep.slice(0, 250).every(Boolean)).toBe(true);
    expect(keep.slice(250).some(Boolean)).toBe(false);
  });

  it('throws when Redis fails (the job is retried)', async () => {
    const broken = createRedis('redis://127.0.0.1:1', 'producer', { retryStrategy: () => null });
    broken.on('error', () => undefined);
    await expect(claimEventIds(broken, prefix, 60, [claim('s', 'e', randomUUID())])).rejects.toThrow();
    broken.disconnect();
  });
});
