import { parseConfig } from '@beacon/config';
import { createLogger, createRegistry, silentObservability } from '@beacon/observability';
import { ConfigError } from '@beacon/config';
import { startApi } from '../src/index.js';
import { call, startTestApi, type TestApi } from './helpers.js';

// Ops endpoints, request ids, headers, CORS, error shapes of the platform; real PostgreSQL.

let t: TestApi;
beforeAll(async () => {
  t = await startTestApi({ env: { API_CORS_ORIGINS: 'https://dash.example.com' } });
});
afterAll(async () => {
  await t.close();
});

test('the public port: /healthz and /readyz say only ok, /metrics is not there', async () => {
  expect((await call(t.url, 'GET', '/healthz')).body).toEqual({ status: 'ok' });
  const ready = await call(t.url, 'GET', '/readyz');
  expect(ready.status).toBe(200);
  expect(ready.body).toEqual({ status: 'ok' });
  const m = await call(t.url, 'GET', '/metrics');
  expect(m.status).toBe(404);
  expect(JSON.stringify(m.body)).not.toContain('beacon_');
  // The API document needs a caller (any role or an API key).
  expect((await call(t.url, 'GET', '/openapi.json')).status).toBe(401);
});

test('the internal ops port: detailed /readyz and /metrics with the HTTP histogram by route template', async () => {
  const ops = `http://127.0.0.1:${t.api.opsPort}`;
  expect(t.api.opsPort).not.toBe(t.api.port);
  const ready = await call(ops, 'GET', '/readyz');
  expect(ready.status).toBe(200);
  expect(ready.body).toMatchObject({ ready: true, accepting: true, checks: { postgres: { ok: true } } });
  expect((await call(ops, 'GET', '/v1/me')).status).toBe(404); // nothing but ops there
  await call(t.url, 'GET', '/v1/sites/abc/snippet'); // 401, labelled with the template, not the raw URL
  const m = await fetch(`${ops}/metrics`);
  const text = await m.text();
  expect(m.headers.get('content-type')).toMatch(/text\/plain/);
  expect(text).toMatch(
    /beacon_http_request_duration_seconds_count\{service="api",route="\/v1\/sites\/:siteId\/snippet",method="GET",status="401"\} 1/,
  );
  expect(text).toContain('beacon_api_query_duration_seconds');
  expect(text).not.toContain('route="/v1/sites/abc/snippet"');
});

test('/readyz is 503 when PostgreSQL cannot be reached', async () => {
  const api = await startApi(
    parseConfig({
      DATABASE_URL: 'postgres://postgres@127.0.0.1:1/none',
      API_JWT_SECRET: 'k'.repeat(32),
      LOG_LEVEL: 'silent',
    }),
    {
      port: 0,
      host: '127.0.0.1',
      redis: null,
      ...silentObservability('api'),
    },
  );
  try {
    const r = await call(`http://127.0.0.1:${api.port}`, 'GET', '/readyz');
    expect(r.status).toBe(503);
    // Public: not ok, and not why (the error names the database host and port).
    expect(r.body).toEqual({ status: 'not ok' });
    const detail = await call(`http://127.0.0.1:${api.opsPort}`, 'GET', '/readyz');
    expect(detail.status).toBe(503);
    expect(detail.body.checks.postgres.ok).toBe(false);
    // A request needing the database answers a JSON 503 with Retry-After, without internals.
    const me = await call(`http://127.0.0.1:${api.port}`, 'GET', '/v1/me', {
      token: 'bk_00000000_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA',
    });
    expect(me.status).toBe(503);
    expect(me.headers.get('retry-after')).toBe('5');
    expect(me.body).toEqual({
      error: 'unavailable',
      message: 'the database is unavailable; retry shortly',
      details: { request_id: expect.any(String) },
    });
    expect(JSON.stringify(me.body)).not.toMatch(/ECONNREFUSED|at .*\.js/);
  } finally {
    await api.close();
  }
});

test('request ids: a sane X-Request-Id is echoed, otherwise a new one is made', async () => {
  const given = await call(t.url, 'GET', '/healthz', { headers: { 'x-request-id': 'abc-123' } });
  expect(given.headers.get('x-request-id')).toBe('abc-123');
  const insane = await call(t.url, 'GET', '/healthz', { headers: { 'x-request-id': 'a b\tc' } });
  expect(insane.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
});

test('helmet headers, no x-powered-by', async () => {
  const r = await call(t.url, 'GET', '/healthz');
  expect(r.headers.get('x-content-type-options')).toBe('nosniff');
  expect(r.headers.get('x-powered-by')).toBeNull();
});

test('CORS answers only the configured dashboard origins, with credentials', async () => {
  const pre = await fetch(`${t.url}/v1/me`, {
    method: 'OPTIONS',
    headers: {
      origin: 'https://dash.example.com',
      'access-control-request-method': 'GET',
      'access-control-request-headers': 'authorization',
    },
  });
  expect(pre.status).toBe(204);
  expect(pre.headers.get('access-control-allow-origin')).toBe('https://dash.example.com');
  expect(pre.headers.get('access-control-allow-credentials')).toBe('true');
  const evil = await fetch(`${t.url}/v1/me`, { headers: { origin: 'https://evil.example' } });
  expect(evil.headers.get('access-control-allow-origin')).toBeNull();
});

test('unknown routes and wrong methods are JSON 404s', async () => {
  const r = await call(t.url, 'GET', '/v1/nope');
  expect(r.status).toBe(404);
  expect(r.body).toEqual({ error: 'not_found', message: 'no route GET /v1/nope' });
  expect((await call(t.url, 'PUT', '/v1/me')).status).toBe(404);
});

test('production refuses to start without API_JWT_SECRET; development makes one', async () => {
  await expect(
    startApi(parseConfig({ NODE_ENV: 'production', LOG_LEVEL: 'silent' }), {
      port: 0,
      redis: null,
      registry: createRegistry('api', { defaultMetrics: false }),
    }),
  ).rejects.toBeInstanceOf(ConfigError);
  const lines: string[] = [];
  const logger = createLogger('api', 'warn', { write: (s: string) => void lines.push(s) });
  const api = await startApi(parseConfig({ NODE_ENV: 'development', DATABASE_URL: t.db.url }), {
    port: 0,
    host: '127.0.0.1',
    redis: null,
    logger,
    registry: createRegistry('api', { defaultMetrics: false }),
  });
  await api.close();
  expect(
    lines.map((l) => JSON.parse(l)).some((l) => l.level === 'warn' && /API_JWT_SECRET/.test(l.msg)),
  ).toBe(true);
  expect(() => parseConfig({ API_JWT_SECRET: 'too-short' })).toThrow(/API_JWT_SECRET/);
  // An example's placeholder is refused even though it is long enough.
  expect(() =>
    parseConfig({ API_JWT_SECRET: 'change-me-to-64-random-hex-characters-change-me-change-me-0000' }),
  ).toThrow(/API_JWT_SECRET: .*placeholder/);
});
