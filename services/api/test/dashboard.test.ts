import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import express from 'express';
import { dashboard } from '../src/http/dashboard.js';
import { call, startTestApi, type TestApi } from './helpers.js';

// The web dashboard served at /: static files, the single-page fallback, and the API's own paths
// never shadowed by it (unknown /v1 routes keep their JSON 404).

let dir: string;
let server: Server;
let url: string;
let t: TestApi;

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'beacon-dash-'));
  mkdirSync(path.join(dir, 'assets'));
  writeFileSync(path.join(dir, 'index.html'), '<!doctype html><title>Beacon</title><div id="root"></div>');
  writeFileSync(path.join(dir, 'assets', 'index-abc123.js'), 'console.log(1)');
  const app = express();
  app.get('/v1/known', (_req, res) => void res.json({ ok: true }));
  app.use(dashboard(dir));
  app.use((_req, res) => void res.status(404).json({ error: 'not_found' }));
  server = app.listen(0, '127.0.0.1');
  await new Promise((r) => server.once('listening', r));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  t = await startTestApi({ overrides: { dashboardDir: dir } });
});
afterAll(async () => {
  await new Promise((r) => server.close(r));
  rmSync(dir, { recursive: true, force: true });
  await t.close();
});

test.each([
  ['the root', '/'],
  ['the login page', '/login'],
  ['a site view with a query', '/sites/abc/overview?from=2026-01-01'],
  // Its last segment is a domain, which looks like a file name.
  ['a company page', '/sites/abc/companies/acme.example'],
  ['a company page with a query', '/sites/abc/companies/acme.example?range=7d'],
  ['a settings page', '/settings/sites/abc'],
])(
  '%s answers index.html with the dashboard CSP (no upgrade-insecure-requests), not cached: %s',
  async (_what, p) => {
    const r = await fetch(`${url}${p}`);
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toMatch(/text\/html/);
    expect(await r.text()).toContain('<div id="root">');
    expect(r.headers.get('content-security-policy')).toContain("script-src 'self'");
    expect(r.headers.get('content-security-policy')).not.toContain('upgrade-insecure-requests');
    expect(r.headers.get('cache-control')).toBe('no-cache');
  },
);

test('assets are immutable', async () => {
  const js = await fetch(`${url}/assets/index-abc123.js`);
  expect(js.status).toBe(200);
  expect(js.headers.get('content-type')).toMatch(/javascript/);
  expect(js.headers.get('cache-control')).toContain('immutable');
});

test('missing files, other methods and the API paths are not answered by the fallback', async () => {
  expect((await fetch(`${url}/assets/missing.js`)).status).toBe(404);
  // A missing file is a 404 for a script or image request, even from a browser…
  expect((await fetch(`${url}/missing.png`, { headers: { accept: 'image/*' } })).status).toBe(404);
  expect((await fetch(`${url}/assets/missing.js`, { headers: { accept: 'text/html' } })).status).toBe(404);
  // …but a navigation (a typed or shared URL) to any other path gets the app, which says "no page here".
  const nav = await fetch(`${url}/some.page`, { headers: { accept: 'text/html,application/xhtml+xml' } });
  expect([nav.status, await nav.text()]).toEqual([200, expect.stringContaining('<div id="root">')]);
  expect((await fetch(`${url}/`, { method: 'POST' })).status).toBe(404);
  expect(await (await fetch(`${url}/v1/known`)).json()).toEqual({ ok: true });
  for (const p of ['/v1', '/v1/unknown', '/openapi.json', '/metrics', '/healthz', '/readyz']) {
    const r = await fetch(`${url}${p}`);
    expect([p, r.status, r.headers.get('content-type')]).toEqual([p, 404, expect.stringMatching(/json/)]);
  }
});

test('in the real API handed a dashboard directory, ops routes and unknown /v1 routes are untouched; pages are the dashboard', async () => {
  const unknown = await call(t.url, 'GET', '/v1/nope');
  expect([unknown.status, unknown.body.error]).toEqual([404, 'not_found']);
  expect((await call(t.url, 'GET', '/healthz')).body.status).toBe('ok');
  // Not the dashboard's index.html either: JSON answers of the API (401: the document needs a caller).
  const doc = await call(t.url, 'GET', '/openapi.json');
  expect([doc.status, doc.body.error]).toEqual([401, 'unauthorized']);
  const metrics = await call(t.url, 'GET', '/metrics');
  expect([metrics.status, metrics.body.error]).toEqual([404, 'not_found']);
  for (const p of ['/sites/x/overview', '/sites/x/companies/acme.example']) {
    const root = await fetch(`${t.url}${p}`);
    expect([p, root.status]).toEqual([p, 200]);
    expect(await root.text()).toContain('<div id="root">');
  }
});

test('an API handed no dashboard directory answers pages with the JSON 404', async () => {
  const bare = await startTestApi();
  try {
    const page = await call(bare.url, 'GET', '/sites/x/overview');
    expect([page.status, page.body.error]).toEqual([404, 'not_found']);
  } finally {
    await bare.close();
  }
});
