// Cookieless visitors: client_id from a keyed hash with a daily salt, sessions from it, across a salt
// rotation. Real Redis (unique key prefix), real PostgreSQL (sites), the enricher's own enrichHits;
// the only thing not real is the clock, so that two days pass in a second.
import { randomUUID } from 'node:crypto';
import { createRedis, type Redis } from '@beacon/queue';
import type { RawJob } from '@beacon/schema';
import { REDIS_URL, uniquePrefix, useTestDatabase } from '@beacon/testkit';
import { anonymizeIp, CookielessIds, enrichHits, SALT_LIFETIME_MS, type EventRow } from '../src/index.js';
import { anonymizeIpStep } from '../src/anonymize.js';
import { SiteCache } from '../src/sites.js';
import { seedSites } from './fixtures.js';

const CHROME =
  'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36';
const FIREFOX = 'Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0';

const db = useTestDatabase();
let redis: Redis;
let prefix: string;
let sites: SiteCache;
let clock = 0;
let ids: CookielessIds;

beforeAll(async () => {
  prefix = uniquePrefix('cookieless');
  await seedSites(db.pool, [
    ['c', 'c.example', 'site_cl', { cookieless: true }],
    ['c2', 'c2.example', 'site_cl2', { cookieless: true }],
    ['n', 'n.example', 'site_normal'],
  ]);
  redis = createRedis(REDIS_URL, 'worker');
  sites = new SiteCache(db.pool, 60_000);
  ids = new CookielessIds(redis, prefix, () => clock);
});

afterAll(async () => {
  const keys = await redis.keys(`${prefix}:*`);
  if (keys.length) await redis.del(...keys);
  redis.disconnect();
});

interface Visit {
  site?: string;
  ip: string;
  ua: string;
  at: string;
  /** ids the browser sent (a cookieless site ignores them) */
  clientId?: string;
}

/** One raw job per visit, enriched at the visit's time as the enricher does it (refresh, steps, sessions). */
async function enrich(visits: Visit[]): Promise<EventRow[]> {
  const out: EventRow[] = [];
  const steps = [ids.step(), anonymizeIpStep()];
  for (const v of visits) {
    clock = Date.parse(v.at) + 200; // enriched shortly after arrival
    await ids.refresh();
    const job: RawJob = {
      type: 'raw',
      v: 1,
      requests: [
        {
          site_id: v.site ?? 'site_cl',
          ip: v.ip,
          user_agent: v.ua,
          client_hints: {},
          origin: null,
          hits: [
            {
              id: randomUUID(),
              server_timestamp: new Date(Date.parse(v.at)).toISOString(),
              event_name: 'page_view',
              page_url: 'https://c.example/',
              ...(v.clientId ? { client_id: v.clientId, session_id: v.clientId, session_number: 7 } : {}),
            } as RawJob['requests'][0]['hits'][0],
          ],
        },
      ],
    };
    const res = await enrichHits(job, randomUUID(), sites, steps);
    expect(res.dead).toEqual([]);
    const rows = res.kept.map((k) => k.row);
    await ids.assignSessions(rows);
    out.push(...rows);
  }
  return out;
}

const distinct = (rows: EventRow[], col: keyof EventRow) => new Set(rows.map((r) => r[col])).size;
const onDay = (rows: EventRow[], day: string) =>
  rows.filter((r) => String(r.server_timestamp).startsWith(day));

test('unique visitors and sessions across two days with a salt rotation', async () => {
  const A = { ip: '203.0.113.7', ua: CHROME };
  const B = { ip: '203.0.113.7', ua: FIREFOX }; // same office IP, another browser
  const C = { ip: '198.51.100.20', ua: CHROME }; // same browser, another network
  const rows = await enrich([
    // Day 1
    { ...A, at: '2031-03-10T10:00:00Z', clientId: 'f'.repeat(32) },
    { ...A, at: '2031-03-10T10:05:00Z' },
    { ...A, at: '2031-03-10T10:20:00Z' },
    { ...B, at: '2031-03-10T10:21:00Z' },
    { ...C, at: '2031-03-10T11:00:00Z' },
    { ...A, at: '2031-03-10T15:00:00Z' }, // 4.5 h later: A's second session
    // Day 2: a new salt
    { ...A, at: '2031-03-11T09:00:00Z' },
    { ...A, at: '2031-03-11T09:10:00Z' },
    { ...B, at: '2031-03-11T12:00:00Z' },
  ]);
  for (const r of rows) {
    expect(r.client_id).toMatch(/^[0-9a-f]{32}$/);
    expect(r.session_id).toMatch(/^[0-9a-f]{32}$/);
    expect(r.ip_address).toBe(anonymizeIp(String(r.ip_address), 'truncate')); // site default: truncated
  }
  const day1 = onDay(rows, '2031-03-10');
  const day2 = onDay(rows, '2031-03-11');
  // The browser's ids are not used on a cookieless site.
  expect(day1[0]!.client_id).not.toBe('f'.repeat(32));
  // Day 1: A, B, C = 3 visitors; A's hits 30 min apart at most = one session, then a second one.
  expect(distinct(day1, 'client_id')).toBe(3);
  expect(distinct(day1, 'session_id')).toBe(4);
  expect(day1.filter((r) => r.client_id === day1[0]!.client_id).map((r) => r.session_number)).toEqual([
    1, 1, 1, 2,
  ]);
  // Day 2: A and B again, under new ids (the salt rotated); A starts at session 1 again.
  expect(distinct(day2, 'client_id')).toBe(2);
  expect(distinct(day2, 'session_id')).toBe(2);
  expect(day2[0]!.session_number).toBe(1);
  // The accuracy trade-off (docs/privacy.md): over both days 5 "unique" visitors for 3 people.
  expect(distinct(rows, 'client_id')).toBe(5);
  const day1Ids = new Set(day1.map((r) => r.client_id));
  for (const r of day2) expect(day1Ids.has(r.client_id)).toBe(false);
});

test('the same person on another site is another visitor; a hit without ids on a normal site gets a derived id', async () => {
  const v = { ip: '192.0.2.44', ua: CHROME, at: '2031-04-01T08:00:00Z' };
  const [one, two, plain, sent] = await enrich([
    { ...v, site: 'site_cl' },
    { ...v, site: 'site_cl2' },
    { ...v, site: 'site_normal' },
    { ...v, site: 'site_normal', clientId: 'a'.repeat(32) },
  ]);
  expect(one!.client_id).not.toBe(two!.client_id);
  expect(plain!.client_id).toMatch(/^[0-9a-f]{32}$/);
  expect(plain!.session_number).toBe(1);
  // A normal site keeps the ids its tracker sent.
  expect(sent).toMatchObject({ client_id: 'a'.repeat(32), session_id: 'a'.repeat(32), session_number: 7 });
});

test('a session open at midnight goes on under the previous salt; salts live 48 hours from their day', async () => {
  const v = { ip: '203.0.113.99', ua: FIREFOX };
  const [late, after, morning] = await enrich([
    { ...v, at: '2031-05-01T23:50:00Z' },
    { ...v, at: '2031-05-02T00:05:00Z' }, // 15 min later, new day and salt: same session
    { ...v, at: '2031-05-02T08:00:00Z' }, // a new session, under the new day's id
  ]);
  expect(after!.client_id).toBe(late!.client_id);
  expect(after!.session_id).toBe(late!.session_id);
  expect(morning!.client_id).not.toBe(late!.client_id);
  expect(morning!.session_number).toBe(1);

  // In Redis the salt of May 1 expires 48 h after May 1 began: it was made at 23:50:00.200 that day
  // (Redis counts its TTL in real time, which hardly moved meanwhile).
  const ttl = await redis.pttl(`${prefix}:salt:2031-05-01`);
  const expected =
    Date.parse('2031-05-01T00:00:00Z') + SALT_LIFETIME_MS - Date.parse('2031-05-01T23:50:00.200Z');
  expect(ttl).toBeGreaterThan(expected - 5_000);
  expect(ttl).toBeLessThanOrEqual(expected);
  // Two days on, the enricher holds only that day's and the day before's salts: May 1 is gone.
  clock = Date.parse('2031-05-03T01:00:00Z');
  await ids.refresh();
  const may1 = Math.floor(Date.parse('2031-05-01T12:00:00Z') / 86_400_000);
  expect(ids.idFor(may1, 'site_cl', v.ip, v.ua)).toBeNull();
  expect(ids.idFor(may1 + 2, 'site_cl', v.ip, v.ua)).toMatch(/^[0-9a-f]{32}$/);
});

test('a retried job gets the same ids and sessions back', async () => {
  const v = { ip: '192.0.2.200', ua: CHROME, at: '2031-06-01T12:00:00Z' };
  clock = Date.parse(v.at);
  await ids.refresh();
  const job: RawJob = {
    type: 'raw',
    v: 1,
    requests: [
      {
        site_id: 'site_cl',
        ip: v.ip,
        user_agent: v.ua,
        client_hints: {},
        origin: null,
        hits: [0, 1].map((i) => ({
          id: randomUUID(),
          server_timestamp: new Date(Date.parse(v.at) + i * 1000).toISOString(),
          event_name: 'page_view',
          page_url: 'https://c.example/',
        })) as RawJob['requests'][0]['hits'],
      },
    ],
  };
  const run = async () => {
    const rows = (await enrichHits(job, 'j', sites, [ids.step()])).kept.map((k) => k.row);
    await ids.assignSessions(rows);
    return rows.map((r) => [r.client_id, r.session_id, r.session_number]);
  };
  const first = await run();
  expect(await run()).toEqual(first);
  expect(new Set(first.map((r) => r[1])).size).toBe(1);
});
