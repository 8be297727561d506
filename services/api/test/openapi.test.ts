import { readFile } from 'node:fs/promises';
import { buildOpenApiDocument, documentText } from '../src/openapi/document.js';
import { seedAgency, startTestApi, type TestApi } from './helpers.js';

// The committed document, the served document and the express routes must all agree. When this
// fails after adding a route: `pnpm build && node services/api/dist/write-openapi.js`, then commit.
const committedPath = new URL('../openapi.json', import.meta.url);

let t: TestApi;
beforeAll(async () => {
  t = await startTestApi();
});
afterAll(async () => {
  await t.close();
});

interface Layer {
  route?: { path: string; methods: Record<string, boolean> };
  handle?: { stack?: Layer[] };
}

function expressRoutes(stack: Layer[], out: string[] = []): string[] {
  for (const l of stack) {
    if (l.route) {
      for (const m of Object.keys(l.route.methods))
        out.push(`${m.toUpperCase()} ${l.route.path.replace(/:([A-Za-z0-9_]+)/g, '{$1}')}`);
    } else if (l.handle?.stack) expressRoutes(l.handle.stack, out);
  }
  return out;
}

function documentRoutes(doc: { paths: Record<string, Record<string, unknown>> }): string[] {
  return Object.entries(doc.paths).flatMap(([p, ops]) =>
    Object.keys(ops).map((m) => `${m.toUpperCase()} ${p}`),
  );
}

test('the committed openapi.json is what the code generates', async () => {
  const committed = await readFile(committedPath, 'utf8');
  expect(committed).toBe(documentText(await buildOpenApiDocument()));
});

test('the served /openapi.json equals the committed document (for an authenticated caller only)', async () => {
  expect((await fetch(`${t.url}/openapi.json`)).status).toBe(401);
  const { apiKey } = await seedAgency(t.db.pool);
  const r = await fetch(`${t.url}/openapi.json`, { headers: { authorization: `Bearer ${apiKey}` } });
  expect(r.status).toBe(200);
  expect(await r.json()).toEqual(JSON.parse(await readFile(committedPath, 'utf8')));
});

test('every express route is in the document, and every documented route is served', async () => {
  const app = t.api.app.app as unknown as { router: { stack: Layer[] } };
  const served = expressRoutes(app.router.stack).sort();
  const doc = JSON.parse(await readFile(committedPath, 'utf8'));
  expect(served.length).toBeGreaterThan(5);
  expect(served).toEqual(documentRoutes(doc).sort());
});

test('the route comparison notices an express route added outside the route table', async () => {
  const app = t.api.app.app as unknown as {
    router: { stack: Layer[] };
    get: (p: string, h: () => void) => void;
  };
  const before = expressRoutes(app.router.stack);
  // A second app from the same deps, so the served app stays as documented.
  const { createApp } = await import('../src/app.js');
  const other = createApp(t.api.deps);
  other.app.get('/rogue/:id', () => undefined);
  const after = expressRoutes((other.app as unknown as { router: { stack: Layer[] } }).router.stack);
  expect(after).toContain('GET /rogue/{id}');
  expect(after.length).toBe(before.length + 1);
});

test('the document is OpenAPI 3.1 with the error shape and bearer security', async () => {
  const doc = JSON.parse(await readFile(committedPath, 'utf8'));
  expect(doc.openapi).toBe('3.1.0');
  expect(doc.components.schemas.Error.required).toEqual(['error', 'message']);
  expect(doc.paths['/v1/me'].get.security).toEqual([{ bearer: [] }]);
  expect(doc.paths['/v1/auth/login'].post.security).toBeUndefined();
});
