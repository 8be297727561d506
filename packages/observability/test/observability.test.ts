import { Writable } from 'node:stream';
import type { AddressInfo } from 'node:net';
import { Counter } from 'prom-client';
import {
  closeSequence,
  createLogger,
  createRegistry,
  startOps,
  startOpsServer,
  withinDeadline,
  type ReadinessCheck,
} from '@beacon/observability';

function sink(): { stream: Writable; lines: () => Record<string, unknown>[] } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk, _enc, cb) {
      chunks.push(String(chunk));
      cb();
    },
  });
  return {
    stream,
    lines: () =>
      chunks
        .join('')
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l)),
  };
}

describe('logger', () => {
  it('writes one JSON object per line with service, level label and ISO time, honouring the level', () => {
    const s = sink();
    const log = createLogger('collector', 'info', s.stream);
    log.debug('hidden');
    log.info({ site_id: 'abc' }, 'hit accepted');
    const lines = s.lines();
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({
      service: 'collector',
      level: 'info',
      msg: 'hit accepted',
      site_id: 'abc',
    });
    expect(new Date(lines[0]!.time as string).toISOString()).toBe(lines[0]!.time);
  });

  it('redacts passwords and authorization headers', () => {
    const s = sink();
    createLogger('api', 'info', s.stream).info(
      { password: 'hunter2', req: { headers: { authorization: 'Bearer x' } } },
      'login',
    );
    const line = JSON.stringify(s.lines()[0]);
    expect(line).not.toContain('hunter2');
    expect(line).not.toContain('Bearer x');
  });

  it('logs an error with its type, code and stack but not the database client pg hangs on it', () => {
    const s = sink();
    const err = Object.assign(new Error('terminating connection due to administrator command'), {
      code: '57P01',
      client: { connectionParameters: { database: 'beacon' }, _types: { builtins: { BOOL: 16 } } },
    });
    createLogger('api', 'info', s.stream).warn({ err }, 'idle PostgreSQL client failed');
    const logged = s.lines()[0]!.err as Record<string, unknown>;
    expect(logged).toMatchObject({ type: 'Error', code: '57P01', message: err.message });
    expect(logged.stack).toContain('observability.test');
    expect(logged).not.toHaveProperty('client');
    expect(err.client).toBeDefined(); // the caller's error object is left as it was
  });
});

describe('ops endpoints', () => {
  const registry = createRegistry('writer', { defaultMetrics: false });
  const counter = new Counter({ name: 'beacon_test_things_total', help: 'things', registers: [registry] });
  let healthy = true;
  const checks: ReadinessCheck[] = [
    {
      name: 'postgres',
      check: async () => (healthy ? { ok: true } : Promise.reject(new Error('connection refused'))),
    },
    {
      name: 'geoip',
      optional: true,
      check: async () => ({ ok: false, detail: 'no City database configured' }),
    },
  ];
  let base = '';
  let close: () => void;

  beforeAll(async () => {
    const server = await startOpsServer({ registry, checks }, 0, '127.0.0.1');
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    close = () => server.close();
  });
  afterAll(() => close());

  it('answers /healthz while the process lives', async () => {
    const r = await fetch(`${base}/healthz`);
    expect(r.status).toBe(200);
    expect(await r.json()).toMatchObject({ status: 'ok' });
  });

  it('answers /readyz 200 with detail when required checks pass, 503 naming the failing one otherwise', async () => {
    healthy = true;
    let r = await fetch(`${base}/readyz`);
    expect(r.status).toBe(200);
    const ok = await r.json();
    expect(ok.checks.geoip).toMatchObject({
      ok: false,
      optional: true,
      detail: 'no City database configured',
    });
    healthy = false;
    r = await fetch(`${base}/readyz`);
    expect(r.status).toBe(503);
    expect((await r.json()).checks.postgres).toMatchObject({ ok: false, error: 'connection refused' });
  });

  it('serves the registry in Prometheus text format with the service label', async () => {
    counter.inc(3);
    const r = await fetch(`${base}/metrics`);
    expect(r.headers.get('content-type')).toContain('text/plain');
    expect(await r.text()).toContain('beacon_test_things_total{service="writer"} 3');
  });

  it('answers 404 elsewhere', async () => {
    expect((await fetch(`${base}/nope`)).status).toBe(404);
  });
});

describe('service lifecycle helpers', () => {
  it('withinDeadline: true when the work settles in time (even by failing), false and onLate when not', async () => {
    expect(await withinDeadline(Promise.resolve(), 1_000)).toBe(true);
    expect(await withinDeadline(Promise.reject(new Error('gone')), 1_000)).toBe(true);
    let late = 0;
    const never = new Promise<void>(() => undefined);
    expect(await withinDeadline(never, 50, () => late++)).toBe(false);
    expect(late).toBe(1);
  });

  it('closeSequence: steps in order, once; a failing step is logged, the rest still run, the first error rejects', async () => {
    const s = sink();
    const log = createLogger('test', 'info', s.stream);
    const ran: string[] = [];
    const close = closeSequence(log, [
      ['a', () => void ran.push('a')],
      [
        'b',
        async () => {
          ran.push('b');
          throw new Error('socket gone');
        },
      ],
      ['c', async () => void ran.push('c')],
    ]);
    const first = close();
    expect(close()).toBe(first);
    await expect(first).rejects.toThrow('socket gone');
    expect(ran).toEqual(['a', 'b', 'c']);
    expect(s.lines()).toContainEqual(expect.objectContaining({ step: 'b', level: 'error' }));
  });

  it('startOps: an ops server on an ephemeral port, or none for null; close frees the port', async () => {
    const ops = { registry: createRegistry('t', { defaultMetrics: false }), checks: [] };
    expect((await startOps(ops, null)).port).toBeNull();
    const server = await startOps(ops, 0, '127.0.0.1');
    expect((await fetch(`http://127.0.0.1:${server.port}/healthz`)).status).toBe(200);
    await server.close();
    await expect(fetch(`http://127.0.0.1:${server.port}/healthz`)).rejects.toThrow();
  });
});
