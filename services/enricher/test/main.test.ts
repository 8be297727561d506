import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { REDIS_URL, uniquePrefix, useTestDatabase } from '@beacon/testkit';

// Real: the built process entry (services/enricher/dist/main.js, from `pnpm build`), PostgreSQL, Redis.
// Shows the operator path: start from environment variables, answer /readyz, stop cleanly on SIGTERM.

const MAIN = fileURLToPath(new URL('../dist/main.js', import.meta.url));
const db = useTestDatabase();

it('starts from the environment, is ready, and exits 0 on SIGTERM', async () => {
  const child = spawn(process.execPath, [MAIN], {
    env: {
      DATABASE_URL: db.url,
      REDIS_URL,
      QUEUE_PREFIX: uniquePrefix('enr-main'),
      ENRICHER_METRICS_PORT: '0',
      ENRICHER_DEFAULT_GEO: 'false',
      ENRICHER_DEFAULT_ASN: 'false',
      GEOIP_CITY_DB: '/nonexistent/GeoIP2-City.mmdb',
      LOG_LEVEL: 'info',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: Record<string, unknown>[] = [];
  let buffer = '';
  let started: (port: number) => void;
  const startedP = new Promise<number>((r) => (started = r));
  child.stdout.on('data', (chunk: Buffer) => {
    buffer += chunk.toString();
    let nl;
    while ((nl = buffer.indexOf('\n')) >= 0) {
      const line = JSON.parse(buffer.slice(0, nl)) as Record<string, unknown>;
      buffer = buffer.slice(nl + 1);
      lines.push(line);
      if (line.msg === 'enricher started') started(line.port as number);
    }
  });
  const port = await startedP;
  // The missing City database is reported once at start, with the fields it leaves null.
  expect(lines.filter((l) => l.source === 'maxmind_city' && l.state === 'missing')).toHaveLength(1);
  const ready = await fetch(`http://127.0.0.1:${port}/readyz`);
  expect(ready.status).toBe(200);
  const body = (await ready.json()) as {
    checks: { data: { ok: boolean; detail: Record<string, { state: string }> } };
  };
  expect(body.checks.data.ok).toBe(false);
  expect(body.checks.data.detail.maxmind_city!.state).toBe('missing');
  child.kill('SIGTERM');
  const [code] = (await once(child, 'exit')) as [number | null];
  expect(code).toBe(0);
  expect(lines.some((l) => l.msg === 'enricher stopped')).toBe(true);
});
