// Collector against real PostgreSQL (sites) and real Redis (the hits queue, read back with BullMQ).
// Nothing is faked: requests go over loopback HTTP to the started collector.
import { networkInterfaces } from 'node:os';
import { createTestDatabase, uniquePrefix, type TestDatabase } from '@beacon/testkit';
import { EVENT_COLUMN_BY_NAME } from '@beacon/schema';
import { startCollector, type CollectorHandle } from '../src/index.js';
import { pageView, post, QueueReader, seedSites, testConfig } from './helpers.js';

let db: TestDatabase;
let collector: CollectorHandle;
let reader: QueueReader;
let base: string;
const prefix = uniquePrefix('collector');

beforeAll(async () => {
  db = await createTestDatabase();
  await seedSites(db, [
    { scriptId: 'site_ok', domain: 'shop.example' },
    { scriptId: 'site_www', domain: 'https://www.Default-Shop.example/' },
    { scriptId: 'site_paused', status: 'paused' },
    { scriptId: 'site_deleted', status: 'deleted' },
    { scriptId: 'site_origins', config: { allowed_origins: ['shop.example', '*.brand.example'] } },
    { scriptId: 'site_private', config: { cookieless: true, require_consent: true, respect_dnt: false } },
  ]);
  // Hits always wait the batch window (concurrency 0): adaptive batching sends each hit alone when they
  // trickle in, which a busy machine makes of the burst below ("fewer jobs than requests").
  collector = await startCollector(
    testConfig(db, prefix, {
      COLLECTOR_MAX_BATCH_EVENTS: '50',
      COLLECTOR_BATCH_CONCURRENCY: '0',
      COLLECTOR_BATCH_WAIT_MS: '50',
    }),
  );
  base = `http://127.0.0.1:${collector.port}`;
  reader = new QueueReader(prefix);
});

afterAll(async () => {
  await collector?.close();
  await reader?.close();
  await db?.drop();
});

describe('bad input gets a clear 4xx, never a 5xx, and nothing is queued', () => {
  const deep = (n: number): unknown => (n === 0 ? 1 : { a: deep(n - 1) });
  const manyKeys = Object.fromEntries(Array.from({ length: 150 }, (_, i) => [`k${i}`, i]));
  const hit = (extra: Record<string, unknown>) => ({ site_id: 'site_ok', ...pageView(), ...extra });
  const batch = (events: unknown) => ({ site_id: 'site_ok', events });

  type Case = [
    name: string,
    path: string,
    body: unknown,
    status: number,
    error: string,
    headers?: Record<string, string>,
  ];
  const cases: Case[] = [
    ['malformed JSON (track)', '/v1/track', '{"site_id": "site_ok", ', 400, 'invalid_json'],
    ['malformed JSON (batch)', '/v1/batch', '{events: [}', 400, 'invalid_json'],
    ['empty body', '/v1/track', '', 400, 'invalid_json'],
    ['JSON array as body', '/v1/track', '[1,2]', 400, 'invalid_body'],
    ['JSON number as body', '/v1/batch', '42', 400, 'invalid_body'],
    ['JSON null as body', '/v1/track', 'null', 400, 'invalid_body'],
    [
      'form content type',
      '/v1/track',
      'a=1',
      415,
      'unsupported_media_type',
      { 'content-type': 'application/x-www-form-urlencoded' },
    ],
    [
      'multipart content type',
      '/v1/batch',
      '--x--',
      415,
      'unsupported_media_type',
      { 'content-type': 'multipart/form-data; boundary=x' },
    ],
    [
      'xml content type',
      '/v1/track',
      '<hit/>',
      415,
      'unsupported_media_type',
      { 'content-type': 'application/xml' },
    ],
    [
      'gzip content encoding',
      '/v1/track',
      JSON.stringify(hit({})),
      415,
      'unsupported_encoding',
      { 'content-encoding': 'gzip' },
    ],
    [
      'oversize single hit (100 KB URL)',
      '/v1/track',
      hit({ page_url: `https://x.example/${'a'.repeat(100_000)}` }),
      413,
      'body_too_large',
    ],
    [
      'oversize batch body (1.1 MB)',
      '/v1/batch',
      batch([pageView({ page_title: 'x'.repeat(1_100_000) })]),
      413,
      'body_too_large',
    ],
    [
      'too many events',
      '/v1/batch',
      batch(Array.from({ length: 51 }, () => pageView())),
      413,
      'too_many_events',
    ],
    ['events not an array', '/v1/batch', batch({ 0: pageView() }), 400, 'invalid_batch'],
    ['events empty', '/v1/batch', batch([]), 400, 'invalid_batch'],
    ['events of non-objects only', '/v1/batch', batch([1, 'x', null, [pageView()]]), 400, 'invalid_hits'],
    ['site_id missing', '/v1/track', pageView(), 400, 'invalid_site_id'],
    ['site_id a number', '/v1/track', { ...pageView(), site_id: 42 }, 400, 'invalid_site_id'],
    [
      'site_id with odd characters',
      '/v1/track',
      { ...pageView(), site_id: "x' OR 1=1 --" },
      400,
      'invalid_site_id',
    ],
    [
      'site_id too long',
      '/v1/batch',
      { site_id: 'a'.repeat(51), events: [pageView()] },
      400,
      'invalid_site_id',
    ],
    ['unknown site', '/v1/track', { ...pageView(), site_id: 'no_such_site' }, 404, 'unknown_site'],
    ['paused site', '/v1/track', { ...pageView(), site_id: 'site_paused' }, 403, 'site_paused'],
    ['deleted site', '/v1/batch', { site_id: 'site_deleted', events: [pageView()] }, 403, 'site_deleted'],
    ['event_name missing', '/v1/track', hit({ event_name: undefined }), 400, 'invalid_hit'],
    ['event_name a number', '/v1/track', hit({ event_name: 7 }), 400, 'invalid_hit'],
    [
      'event_name only control characters',
      '/v1/track',
      hit({ event_name: '\u0000\u0001 ' }),
      400,
      'invalid_hit',
    ],
    ['page_view without page_url', '/v1/track', hit({ page_url: undefined }), 400, 'invalid_hit'],
    ['page_url not a URL', '/v1/track', hit({ page_url: 'not a url' }), 400, 'invalid_hit'],
    [
      'page_url an object',
      '/v1/track',
      hit({ page_url: { href: 'https://x.example/' } }),
      400,
      'invalid_hit',
    ],
    ['timestamp a string', '/v1/track', hit({ timestamp: '2026-01-01' }), 400, 'invalid_hit'],
    ['timestamp negative', '/v1/track', hit({ timestamp: -5 }), 400, 'invalid_hit'],
    ['session_number fractional', '/v1/track', hit({ session_number: 1.5 }), 400, 'invalid_hit'],
    ['session_number over int4', '/v1/track', hit({ session_number: 2 ** 31 }), 400, 'invalid_hit'],
    ['scroll_depth over 100', '/v1/track', hit({ scroll_depth: 150 }), 400, 'invalid_hit'],
    ['clicks negative', '/v1/track', hit({ clicks: -1 }), 400, 'invalid_hit'],
    ['device_pixel_ratio zero', '/v1/track', hit({ device_pixel_ratio: 0 }), 400, 'invalid_hit'],
    ['device_pixel_ratio a string', '/v1/track', hit({ device_pixel_ratio: '2' }), 400, 'invalid_hit'],
    ['email_hash a raw email', '/v1/track', hit({ email_hash: 'jane@example.com' }), 400, 'invalid_hit'],
    ['properties an array', '/v1/track', hit({ properties: [1, 2] }), 400, 'invalid_hit'],
    ['properties a string', '/v1/track', hit({ properties: '{"a":1}' }), 400, 'invalid_hit'],
    ['properties nested too deep', '/v1/track', hit({ properties: deep(8) }), 400, 'invalid_hit'],
    ['properties with too many keys', '/v1/track', hit({ properties: manyKeys }), 400, 'invalid_hit'],
    ['lead_data nested too deep', '/v1/track', hit({ lead_data: deep(10) }), 400, 'invalid_hit'],
    [
      'properties nested 100,000 levels (stack exhaustion attempt)',
      '/v1/batch',
      `{"site_id":"site_ok","events":[{"event_name":"x","properties":${'{"a":'.repeat(100_000)}1${'}'.repeat(100_000)}}]}`,
      400,
      'invalid_hits',
    ],
    [
      '__proto__ nested in properties',
      '/v1/track',
      `{"site_id":"site_ok","event_name":"x","properties":{"a":{"__proto__":{"admin":true}}}}`,
      400,
      'invalid_hit',
    ],
    [
      'escaped __proto__ in ecommerce_data',
      '/v1/track',
      `{"site_id":"site_ok","event_name":"x","ecommerce_data":{"__pro\\u0074o__":{"x":1}}}`,
      400,
      'invalid_hit',
    ],
    [
      'constructor key in lead_data',
      '/v1/track',
      hit({ lead_data: { constructor: { prototype: 1 } } }),
      400,
      'invalid_hit',
    ],
    [
      '__proto__ at the top of the body',
      '/v1/track',
      `{"site_id":"site_ok","event_name":"x","__proto__":{"polluted":1}}`,
      400,
      'forbidden_key',
    ],
    [
      'prototype key in a batch event',
      '/v1/batch',
      `{"site_id":"site_ok","events":[{"event_name":"x","prototype":{}}]}`,
      400,
      'invalid_hits',
    ],
    [
      'origin not in the allow-list',
      '/v1/track',
      { ...pageView(), site_id: 'site_origins' },
      403,
      'origin_not_allowed',
      { origin: 'https://evil.example' },
    ],
    [
      'no origin for a site with an allow-list',
      '/v1/track',
      { ...pageView(), site_id: 'site_origins' },
      403,
      'origin_not_allowed',
    ],
    [
      'lookalike origin suffix',
      '/v1/track',
      { ...pageView(), site_id: 'site_origins' },
      403,
      'origin_not_allowed',
      { origin: 'https://evilbrand.example' },
    ],
  ];

  // Every row padded to 6 values: jest would take a missing last argument for a `done` callback.
  const rows = cases.map((c) => [c[0], c[1], c[2], c[3], c[4], c[5] ?? {}] as const);
  test.each(rows)('%s (%s)', async (_name, path, body, status, error, headers) => {
    const res = await post(base, path, body, headers);
    const json = (await res.json()) as { error: string; message: string; details: unknown };
    expect({ status: res.status, error: json.error }).toEqual({ status, error });
    expect(typeof json.message).toBe('string');
    expect(json.message.length).toBeGreaterThan(5);
    expect(JSON.stringify(json)).not.toMatch(/\bat .*\.(ts|js):\d+/); // no stack traces
  });

  test('wrong methods and paths get 405/404 JSON', async () => {
    const get = await fetch(`${base}/v1/track`);
    expect(get.status).toBe(405);
    expect(((await get.json()) as { error: string }).error).toBe('method_not_allowed');
    const put = await fetch(`${base}/v1/batch`, { method: 'PUT', body: '{}' });
    expect(put.status).toBe(405);
    await put.text();
    const none = await fetch(`${base}/v1/nothing`, { method: 'POST', body: '{}' });
    expect(none.status).toBe(404);
    await none.text();
  });

  test("GET on the batch path answers the site's privacy switches (the tracker's first request)", async () => {
    const ok = await fetch(`${base}/v1/batch?site_id=site_private`);
    expect(ok.status).toBe(200);
    expect(ok.headers.get('cache-control')).toBe('public, max-age=300'); // COLLECTOR_SITE_SETTINGS_MAX_AGE_S
    expect(ok.headers.get('access-control-allow-origin')).toBe('*');
    expect(await ok.json()).toEqual({ cookieless: true, require_consent: true, respect_dnt: false });
    const defaults = await fetch(`${base}/v1/batch?site_id=site_ok`);
    expect(await defaults.json()).toEqual({ cookieless: false, require_consent: false, respect_dnt: true });
    for (const [query, status, error] of [
      ['', 400, 'invalid_site_id'],
      ['?site_id=' + 'x'.repeat(80), 400, 'invalid_site_id'],
      ['?site_id=nope_nope', 404, 'unknown_site'],
      ['?site_id=site_paused', 403, 'site_paused'],
      ['?site_id=site_deleted', 403, 'site_deleted'],
    ] as const) {
      const res = await fetch(`${base}/v1/batch${query}`);
      expect({ status: res.status, error: ((await res.json()) as { error: string }).error }).toEqual({
        status,
        error,
      });
      expect(res.headers.get('cache-control')).toBe('no-store');
    }
  });

  test('a rejected hit names the field and the rule', async () => {
    const res = await post(base, '/v1/track', hit({ scroll_depth: 150 }));
    const body = (await res.json()) as { details: { rejected: { index: number; errors: string[] }[] } };
    expect(body.details.rejected[0]!.errors.join(' ')).toMatch(/^scroll_depth: /);
  });

  test('the process survived all of it and queued nothing', async () => {
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
    expect(await reader.hits()).toHaveLength(0);
  });
});

describe('accepted hits', () => {
  test('every accepted hit is in the queue exactly once, stamped once', async () => {
    const before = (await reader.hits()).length;
    const sent: string[] = [];
    const answers = await Promise.all(
      Array.from({ length: 30 }, async (_, i) => {
        if (i % 3 === 0) {
          const events = Array.from({ length: 7 }, () => pageView());
          sent.push(...events.map((e) => e.event_id));
          return post(base, '/v1/batch', { site_id: 'site_ok', events });
        }
        const h = pageView();
        sent.push(h.event_id);
        return post(
          base,
          '/v1/track',
          { site_id: 'site_ok', ...h },
          { 'content-type': 'text/plain;charset=UTF-8' },
        );
      }),
    );
    for (const a of answers) {
      expect(a.status).toBe(202);
      expect(((await a.json()) as { rejected: unknown[] }).rejected).toEqual([]);
    }
    const hits = (await reader.hits()).slice(before);
    const byEvent = new Map<string, number>();
    for (const h of await reader.hits())
      byEvent.set(h.event_id as string, (byEvent.get(h.event_id as string) ?? 0) + 1);
    for (const id of sent) expect(byEvent.get(id)).toBe(1);
    expect(new Set((await reader.hits()).map((h) => h.id)).size).toBe((await reader.hits()).length);
    for (const h of hits) {
      expect(h.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
      expect(Date.parse(h.server_timestamp)).toBeGreaterThan(Date.now() - 60_000);
      expect(h.request.site_id).toBe('site_ok');
    }
    // Micro-batching: fewer jobs than requests.
    expect((await reader.jobs()).length).toBeLessThan(before + 30);
  });

  test('a 100,000-level nesting in an unknown field is ignored, not walked', async () => {
    const deepJunk = `${'['.repeat(100_000)}${']'.repeat(100_000)}`;
    const body = `{"site_id":"site_ok","events":[{"event_name":"deep","event_id":"deep1","junk":${deepJunk}}]}`;
    const res = await post(base, '/v1/batch', body);
    expect(res.status).toBe(202);
    expect(Object.keys((await reader.hits()).find((h) => h.event_id === 'deep1')!)).not.toContain('junk');
  });

  test('a batch with bad events keeps the good ones (partial acceptance)', async () => {
    const good = [pageView(), pageView({ event_name: 'signup', page_url: undefined })];
    const res = await post(base, '/v1/batch', {
      site_id: 'site_ok',
      events: [good[0], { event_name: 5 }, 'nope', good[1], pageView({ scroll_depth: 101 })],
    });
    expect(res.status).toBe(202);
    const body = (await res.json()) as { accepted: number; rejected: { index: number; errors: string[] }[] };
    expect(body.accepted).toBe(2);
    expect(body.rejected.map((r) => r.index)).toEqual([1, 2, 4]);
    for (const r of body.rejected) expect(r.errors.length).toBeGreaterThan(0);
    const queued = new Set((await reader.hits()).map((h) => h.event_id));
    expect(queued.has(good[0]!.event_id)).toBe(true);
    expect(queued.has(good[1]!.event_id)).toBe(true);
  });

  test('strings are cleaned and cut to their columns; server-only fields are dropped', async () => {
    const eventId = `clean-${Date.now()}`;
    const res = await post(base, '/v1/batch', {
      site_id: 'site_ok',
      events: [
        {
          ...pageView({ event_id: eventId }),
          page_url: `https://x.example/${'a'.repeat(100_000)}`,
          page_title: `T\u0000i\u0007t\u001fl\u007fe${'x'.repeat(600)}`,
          user_id: `u\ud800ser`,
          language: 'en-US-with-a-very-long-tag',
          properties: { 'k\u0000ey': 'v\u0000al\ud83d', nested: { list: [1, 'two\u0001'] } },
          // Fields only the server may set:
          id: '00000000-0000-7000-8000-000000000000',
          server_timestamp: '2000-01-01T00:00:00Z',
          ip_address: '1.2.3.4',
          country: 'XX',
          device_type: 'mainframe',
          utm_source: 'forged',
          company_name: 'Forged Inc',
          site_id: 'other_site',
        },
      ],
    });
    expect(res.status).toBe(202);
    const h = (await reader.hits()).find((x) => x.event_id === eventId)! as Record<string, unknown>;
    expect(h).toBeDefined();
    expect((h.page_url as string).length).toBe(8192);
    expect(h.page_title).toBe(`Title${'x'.repeat(495)}`);
    expect((h.page_title as string).length).toBe(EVENT_COLUMN_BY_NAME.get('page_title')!.max);
    expect(h.user_id).toBe('u\ufffdser');
    expect(h.language).toBe('en-US-with');
    expect(h.properties).toEqual({ key: 'val\ufffd', nested: { list: [1, 'two'] } });
    for (const k of ['ip_address', 'country', 'device_type', 'utm_source', 'company_name', 'site_id'])
      expect(h[k]).toBeUndefined();
    expect(h.id).not.toBe('00000000-0000-7000-8000-000000000000');
    expect(h.server_timestamp).not.toBe('2000-01-01T00:00:00Z');
    expect(JSON.stringify(h)).not.toMatch(/\\u000[0-9a-f]|\\u001[0-9a-f]/);
  });

  test('invalid UTF-8 bytes become U+FFFD instead of failing later', async () => {
    const json = Buffer.concat([
      Buffer.from('{"site_id":"site_ok","event_name":"utf8-'),
      Buffer.from([0xc3, 0x28, 0xff]),
      Buffer.from(`","event_id":"bad-utf8"}`),
    ]);
    const res = await fetch(`${base}/v1/track`, {
      method: 'POST',
      body: json,
      headers: { 'content-type': 'text/plain' },
    });
    expect(res.status).toBe(202);
    const h = (await reader.hits()).find((x) => x.event_id === 'bad-utf8')!;
    expect(h.event_name).toBe('utf8-\ufffd(\ufffd');
  });

  test('request facts: user agent, client hints, origin; the answer carries CORS and Accept-CH', async () => {
    const res = await post(
      base,
      '/v1/track',
      { site_id: 'site_origins', ...pageView({ event_id: 'facts' }) },
      {
        origin: 'https://www.brand.example',
        'user-agent': 'Mozilla/5.0 (X11; Linux x86_64) Test/1.0',
        'sec-ch-ua': '"Chromium";v="130"',
        'sec-ch-ua-mobile': '?0',
        'sec-ch-ua-platform': '"Linux"',
      },
    );
    expect(res.status).toBe(202);
    expect(res.headers.get('access-control-allow-origin')).toBe('*');
    expect(res.headers.get('x-request-id')).toBeTruthy();
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    const h = (await reader.hits()).find((x) => x.event_id === 'facts')!;
    expect(h.request).toMatchObject({
      site_id: 'site_origins',
      user_agent: 'Mozilla/5.0 (X11; Linux x86_64) Test/1.0',
      origin: 'https://www.brand.example',
      client_hints: {
        'sec-ch-ua': '"Chromium";v="130"',
        'sec-ch-ua-mobile': '?0',
        'sec-ch-ua-platform': '"Linux"',
      },
    });
    // The exact allowed host, and the apex of a "*." entry, are accepted too.
    for (const origin of ['https://shop.example', 'https://brand.example']) {
      const r = await post(base, '/v1/track', { site_id: 'site_origins', ...pageView() }, { origin });
      expect(r.status).toBe(202);
    }
    // sendBeacon from a page without Origin: the Referer's origin counts.
    const r = await post(
      base,
      '/v1/track',
      { site_id: 'site_origins', ...pageView() },
      { referer: 'https://shop.example/cart' },
    );
    expect(r.status).toBe(202);
  });

  test('CORS preflight and Accept-CH', async () => {
    const res = await fetch(`${base}/v1/batch`, {
      method: 'OPTIONS',
      headers: { origin: 'https://shop.example', 'access-control-request-method': 'POST' },
    });
    expect(res.status).toBe(204);
    expect(res.headers.get('access-control-allow-methods')).toContain('POST');
    expect(res.headers.get('accept-ch')).toContain('Sec-CH-UA-Platform');
  });
});

describe('pixel', () => {
  const gif = async (query: string, headers: Record<string, string> = {}) => {
    const res = await fetch(`${base}/v1/pixel.gif?${query}`, { headers });
    const body = Buffer.from(await res.arrayBuffer());
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('image/gif');
    expect(body.subarray(0, 6).toString()).toBe('GIF89a');
    return res;
  };

  test('takes the hit from the query string (numbers and JSON as text)', async () => {
    await gif(
      `site_id=site_ok&event_id=px1&page_url=${encodeURIComponent('https://shop.example/p')}&scroll_depth=40&properties=${encodeURIComponent('{"plan":"pro"}')}`,
    );
    const h = (await reader.hits()).find((x) => x.event_id === 'px1')!;
    expect(h).toMatchObject({
      event_name: 'page_view',
      page_url: 'https://shop.example/p',
      scroll_depth: 40,
      properties: { plan: 'pro' },
    });
  });

  test('page_url defaults to the Referer of the <img> request', async () => {
    await gif('site_id=site_ok&event_id=px2', { referer: 'https://shop.example/from-referer' });
    expect((await reader.hits()).find((x) => x.event_id === 'px2')!.page_url).toBe(
      'https://shop.example/from-referer',
    );
  });

  test.each([
    ['no site', 'event_id=px-x'],
    ['unknown site', 'site_id=nope&page_url=https%3A%2F%2Fa.example%2F'],
    ['paused site', 'site_id=site_paused&page_url=https%3A%2F%2Fa.example%2F'],
    ['bad number', 'site_id=site_ok&page_url=https%3A%2F%2Fa.example%2F&scroll_depth=lots'],
    ['bad JSON', 'site_id=site_ok&page_url=https%3A%2F%2Fa.example%2F&properties=%7Bnope'],
    ['prototype key', 'site_id=site_ok&__proto__=1'],
    ['broken escapes', 'site_id=%E0%A4%A&page_url=%'],
  ])('answers the GIF even for bad input (%s) and queues nothing', async (_n, query) => {
    const before = (await reader.hits()).length;
    await gif(query);
    expect((await reader.hits()).length).toBe(before);
  });
});

describe('site cache', () => {
  test('a paused site is refused once the cache entry expires (TTL), and accepted again when reactivated', async () => {
    await seedSites(db, [{ scriptId: 'site_ttl' }]);
    const ttlCollector = await startCollector(testConfig(db, prefix, { COLLECTOR_SITE_CACHE_TTL_MS: '300' }));
    const url = `http://127.0.0.1:${ttlCollector.port}`;
    try {
      expect((await post(url, '/v1/track', { site_id: 'site_ttl', ...pageView() })).status).toBe(202);
      await db.pool.query(`UPDATE sites SET status = 'paused' WHERE script_id = 'site_ttl'`);
      const started = Date.now();
      let res: Response;
      // Polls until refused; a status change must show within the TTL (+ slack for a loaded machine).
      while ((res = await post(url, '/v1/track', { site_id: 'site_ttl', ...pageView() })).status === 202) {
        expect(Date.now() - started).toBeLessThan(5_000);
        await new Promise((r) => setTimeout(r, 25));
      }
      expect(res.status).toBe(403);
      expect(((await res.json()) as { error: string }).error).toBe('site_paused');
      await db.pool.query(`UPDATE sites SET status = 'active' WHERE script_id = 'site_ttl'`);
      while ((res = await post(url, '/v1/track', { site_id: 'site_ttl', ...pageView() })).status === 403) {
        expect(Date.now() - started).toBeLessThan(10_000);
        await new Promise((r) => setTimeout(r, 25));
      }
      expect(res.status).toBe(202);
    } finally {
      await ttlCollector.close();
    }
  });
});

describe("allowed origins: an empty list means the site's domain and its subdomains", () => {
  // site_www: domain "https://www.Default-Shop.example/", no allowed_origins (what the settings page calls
  // "empty: the site's domain"). site_origins lists its own.
  const send = (headers: Record<string, string>, site = 'site_www') =>
    post(base, '/v1/track', { site_id: site, ...pageView() }, headers);

  test.each([
    ['the domain itself', { origin: 'https://default-shop.example' }],
    ['www.', { origin: 'https://www.default-shop.example' }],
    ['a subdomain, any scheme and port', { origin: 'http://blog.eu.default-shop.example:8080' }],
    ['a Referer of the domain (no Origin)', { referer: 'https://default-shop.example/cart?x=1' }],
    ['a developer page on loopback', { origin: 'http://localhost:5173' }],
    ['neither Origin nor Referer (pixel, no-referrer page, server-side)', {}],
  ])('accepted: %s', async (_n, headers) => {
    const r = await send(headers);
    expect(r.status).toBe(202);
  });

  test.each([
    ['another site', { origin: 'https://evil.example' }],
    ['a lookalike suffix', { origin: 'https://evildefault-shop.example' }],
    ['the domain as a subdomain of another', { origin: 'https://default-shop.example.evil.example' }],
    ['a Referer of another site', { referer: 'https://evil.example/page' }],
    ['an opaque origin with a foreign Referer', { origin: 'null', referer: 'https://evil.example/' }],
  ])('refused with 403 origin_not_allowed: %s', async (_n, headers) => {
    const before = (await reader.hits()).length;
    const r = await send(headers);
    expect(r.status).toBe(403);
    expect(((await r.json()) as { error: string }).error).toBe('origin_not_allowed');
    expect((await reader.hits()).length).toBe(before);
  });

  test("a list replaces the default: the site's own domain is then refused unless listed; no origin is refused", async () => {
    // site_origins has domain site_origins.example and lists shop.example, *.brand.example.
    expect((await send({ origin: 'https://site_origins.example' }, 'site_origins')).status).toBe(403);
    expect((await send({ origin: 'http://localhost:3000' }, 'site_origins')).status).toBe(403);
    expect((await send({}, 'site_origins')).status).toBe(403);
    expect((await send({ origin: 'https://shop.example' }, 'site_origins')).status).toBe(202);
  });

  test('the pixel follows the same rule (its GIF is answered either way)', async () => {
    const q = (id: string) =>
      `site_id=site_www&event_id=${id}&page_url=${encodeURIComponent('https://default-shop.example/p')}`;
    for (const [id, referer] of [
      ['ok-ref', 'https://www.default-shop.example/p'],
      ['bad-ref', 'https://evil.example/p'],
    ] as const) {
      const res = await fetch(`${base}/v1/pixel.gif?${q(id)}`, { headers: { referer } });
      expect(res.status).toBe(200);
      await res.arrayBuffer();
    }
    const noRef = await fetch(`${base}/v1/pixel.gif?${q('no-ref')}`);
    await noRef.arrayBuffer();
    const ids = (await reader.hits()).map((h) => h.event_id);
    expect(ids).toEqual(expect.arrayContaining(['ok-ref', 'no-ref']));
    expect(ids).not.toContain('bad-ref');
  });
});

describe('client IP through trusted proxies only', () => {
  const ipOf = async (url: string, eventId: string, xff: string) => {
    expect(
      (
        await post(
          url,
          '/v1/track',
          { site_id: 'site_ok', ...pageView({ event_id: eventId }) },
          { 'x-forwarded-for': xff },
        )
      ).status,
    ).toBe(202);
    return (await reader.hits()).find((x) => x.event_id === eventId)!.request.ip;
  };

  test('loopback is trusted by default: X-Forwarded-For gives the client', async () => {
    expect(await ipOf(base, 'ip1', '203.0.113.9')).toBe('203.0.113.9');
    // The right-most untrusted address wins; a forged left part is ignored.
    expect(await ipOf(base, 'ip2', '198.51.100.1, 203.0.113.10')).toBe('203.0.113.10');
  });

  test('a peer on another address (LAN, SNAT, docker network) is not trusted by default: its header is ignored', async () => {
    // Any local non-loopback address of this machine plays the private peer (preferring private ranges).
    const all = Object.values(networkInterfaces())
      .flat()
      .filter((i) => i && !i.internal && !i.address.startsWith('fe80'));
    const peer =
      all.find((i) => /^(10\.|192\.168\.|172\.(1[6-9]|2\d|3[01])\.|f[cd])/i.test(i!.address)) ?? all[0];
    expect(peer).toBeDefined();
    const c = await startCollector(testConfig(db, prefix, { COLLECTOR_HOST: '::' }));
    try {
      const host = peer!.family === 'IPv6' ? `[${peer!.address}]` : peer!.address;
      const ip = await ipOf(`http://${host}:${c.port}`, 'ip-peer', '203.0.113.9');
      expect(ip.replace(/^::ffff:/, '')).toBe(peer!.address);
    } finally {
      await c.close();
    }
  });

  test('COLLECTOR_TRUST_PROXY lists the proxies; it wins over TRUST_PROXY', async () => {
    const c = await startCollector(
      testConfig(db, prefix, { TRUST_PROXY: 'false', COLLECTOR_TRUST_PROXY: '127.0.0.1/32' }),
    );
    try {
      expect(await ipOf(`http://127.0.0.1:${c.port}`, 'ip-listed', '203.0.113.11')).toBe('203.0.113.11');
    } finally {
      await c.close();
    }
  });

  test('with TRUST_PROXY=false the header is ignored', async () => {
    const c = await startCollector(testConfig(db, prefix, { TRUST_PROXY: 'false' }));
    try {
      expect(await ipOf(`http://127.0.0.1:${c.port}`, 'ip3', '203.0.113.9')).toBe('127.0.0.1');
    } finally {
      await c.close();
    }
  });
});

describe('tracker script', () => {
  test('the tracker directory handed by the caller (as `beacon serve` does) is served with ETag and cache headers', async () => {
    const { mkdtemp, writeFile, rm } = await import('node:fs/promises');
    const { tmpdir } = await import('node:os');
    const dir = await mkdtemp(`${tmpdir()}/beacon-tracker-`);
    await writeFile(`${dir}/beacon.js`, `/* core */ ${'void 0;'.repeat(40)}`);
    await writeFile(`${dir}/beacon-extras.js`, '/* extras */ void 1;');
    const c = await startCollector(testConfig(db, prefix), { trackerDir: dir });
    const url = `http://127.0.0.1:${c.port}`;
    try {
      const res = await fetch(`${url}/v1/beacon.js`);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toContain('javascript');
      expect(res.headers.get('cache-control')).toMatch(/max-age=\d+/);
      expect(res.headers.get('cross-origin-resource-policy')).toBe('cross-origin');
      const etag = res.headers.get('etag')!;
      expect(etag).toMatch(/^".+"$/);
      expect(await res.text()).toBe(`/* core */ ${'void 0;'.repeat(40)}`);
      const again = await fetch(`${url}/v1/beacon.js`, { headers: { 'if-none-match': etag } });
      expect(again.status).toBe(304);
      const extras = await fetch(`${url}/v1/beacon-extras.js`);
      expect(extras.status).toBe(200);
      expect(extras.headers.get('etag')).not.toBe(etag);
      await extras.text();
    } finally {
      await c.close();
      await rm(dir, { recursive: true, force: true });
    }
  });

  test('a collector given no tracker directory answers 404 saying how to serve the script', async () => {
    const res = await fetch(`${base}/v1/beacon.js`);
    expect(res.status).toBe(404);
    const body = (await res.json()) as { error: string; message: string };
    expect(body.error).toBe('tracker_not_built');
    expect(body.message).toMatch(/beacon serve.*COLLECTOR_TRACKER_DIR/);
  });

  test('paths are configurable, and files come from COLLECTOR_TRACKER_DIR when set', async () => {
    const { mkdtemp, writeFile, rm } = await import('node:fs/promises');
    const { tmpdir } = await import('node:os');
    const dir = await mkdtemp(`${tmpdir()}/beacon-tracker-`);
    await writeFile(`${dir}/beacon.js`, '/* core */ console.log(1);');
    const c = await startCollector(
      testConfig(db, prefix, {
        COLLECTOR_TRACKER_DIR: dir,
        COLLECTOR_SCRIPT_PATH: '/s/p.js',
        COLLECTOR_EXTRAS_SCRIPT_PATH: '/s/p-x.js',
        COLLECTOR_BATCH_PATH: '/s/e',
      }),
    );
    const url = `http://127.0.0.1:${c.port}`;
    try {
      const js = await fetch(`${url}/s/p.js`, { headers: { 'accept-encoding': 'gzip' } });
      expect(js.status).toBe(200);
      expect(await js.text()).toBe('/* core */ console.log(1);');
      const extras = await fetch(`${url}/s/p-x.js`);
      expect(extras.status).toBe(404); // not built in that directory: a clear answer
      expect(((await extras.json()) as { error: string }).error).toBe('tracker_not_built');
      const hit = await post(url, '/s/e', { site_id: 'site_ok', events: [pageView()] });
      expect(hit.status).toBe(202);
      await hit.text();
      expect((await post(url, '/v1/batch', { site_id: 'site_ok', events: [pageView()] })).status).toBe(404);
    } finally {
      await c.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('ops endpoints and metrics', () => {
  test('the public port says only ok / not ok: no metrics, no dependency detail', async () => {
    const ready = await fetch(`${base}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ status: 'ok' });
    expect(await (await fetch(`${base}/healthz`)).json()).toEqual({ status: 'ok' });
    const metrics = await fetch(`${base}/metrics`);
    expect(metrics.status).toBe(404);
    expect(await metrics.text()).not.toContain('beacon_');
  });

  test('the internal ops port: /readyz sees Redis and PostgreSQL; /metrics has the catalogue names', async () => {
    expect(collector.opsPort).not.toBe(collector.port);
    const ops = `http://127.0.0.1:${collector.opsPort}`;
    const ready = await fetch(`${ops}/readyz`);
    expect(ready.status).toBe(200);
    const detail = (await ready.json()) as { checks: Record<string, { ok: boolean }> };
    expect(detail.checks).toMatchObject({ redis: { ok: true }, postgres: { ok: true } });
    // The ops port serves nothing else: no hits, no tracker.
    expect((await fetch(`${ops}/v1/beacon.js`)).status).toBe(404);
    const text = await (await fetch(`${ops}/metrics`)).text();
    for (const name of [
      'beacon_http_request_duration_seconds_bucket{',
      'beacon_collector_hits_total{outcome="accepted"',
      'beacon_collector_hits_total{outcome="rejected"',
      'beacon_collector_rejected_total{reason="invalid_hit"',
      'beacon_collector_rejected_total{reason="unknown_site"',
      'beacon_collector_job_hits_bucket',
      'beacon_collector_enqueue_duration_seconds_bucket',
      'beacon_queue_jobs{',
    ]) {
      expect(text).toContain(name);
    }
  });
});
