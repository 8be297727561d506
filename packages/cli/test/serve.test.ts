import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { createLogger } from '@beacon/observability';
import { parseConfig } from '@beacon/config';
import { closeWithin, startServices, type Running } from '../src/serve/lifecycle.js';
import { loadService, SERVICES, ServiceMissingError, START_ORDER } from '../src/serve/services.js';

// Real: dynamic import() of packages, child processes and signals. Fake: the service modules (the
// four services are other packages; their own tests start them for real).
const log = createLogger('test', 'silent');
const config = parseConfig({});

describe('loading services by package name', () => {
  it('names the missing package and how to get it', async () => {
    const err = await loadService({
      name: 'collector',
      pkg: '@beacon/no-such-service',
      exportName: 'startCollector',
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ServiceMissingError);
    expect((err as Error).message).toMatch(
      /collector service is not installed: package @beacon\/no-such-service/,
    );
    expect((err as Error).message).toMatch(/pnpm install && pnpm build/);
  });

  it('rejects a package that lacks the start function', async () => {
    const err = await loadService({ name: 'x', pkg: 'node:os', exportName: 'startX' }).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(ServiceMissingError);
    expect((err as Error).message).toMatch(/does not export a function startX/);
  });

  it('rethrows errors raised inside a service module instead of calling it missing', async () => {
    const boom = Object.assign(new Error("Cannot find package 'geoip-thing' imported from services/x"), {
      code: 'ERR_MODULE_NOT_FOUND',
    });
    const err = await loadService(SERVICES.enricher, () => Promise.reject(boom)).catch((e: unknown) => e);
    expect(err).toBe(boom);
  });

  it('knows the four services and starts consumers before the collector', () => {
    expect(Object.values(SERVICES).map((s) => s.exportName)).toEqual([
      'startCollector',
      'startEnricher',
      'startWriter',
      'startApi',
    ]);
    expect([...START_ORDER].sort()).toEqual(['api', 'collector', 'enricher', 'writer']);
    expect(START_ORDER[START_ORDER.length - 1]).toBe('collector');
  });
});

describe('startServices / closeWithin', () => {
  const events: string[] = [];
  const fake = (name: string, opts: { failStart?: boolean; closeMs?: number } = {}) => ({
    [`start${name}`]: async (cfg: unknown) => {
      expect(cfg).toBe(config);
      if (opts.failStart) throw new Error(`${name} cannot bind`);
      events.push(`start ${name}`);
      return {
        close: async () => {
          if (opts.closeMs) await new Promise((r) => setTimeout(r, opts.closeMs));
          events.push(`close ${name}`);
        },
      };
    },
  });
  const spec = (name: string) => ({ name, pkg: name, exportName: `start${name}` });
  beforeEach(() => events.splice(0));

  it('starts in order and closes all', async () => {
    const mods: Record<string, unknown> = { A: fake('A'), B: fake('B') };
    const running = await startServices([spec('A'), spec('B')], config, {
      log,
      importer: async (p) => mods[p],
    });
    expect(running.map((r) => r.name)).toEqual(['A', 'B']);
    const report = await closeWithin(running, 5_000, log);
    expect(report).toEqual({
      clean: true,
      closed: expect.arrayContaining(['A', 'B']),
      failed: [],
      timedOut: [],
    });
    expect(events.sort()).toEqual(['close A', 'close B', 'start A', 'start B']);
  });

  it('closes what started when a later service fails to start', async () => {
    const mods: Record<string, unknown> = { A: fake('A'), B: fake('B', { failStart: true }) };
    await expect(
      startServices([spec('A'), spec('B')], config, { log, importer: async (p) => mods[p] }),
    ).rejects.toThrow('B cannot bind');
    expect(events).toEqual(['start A', 'close A']);
  });

  it('starts nothing when a package is missing', async () => {
    const mods: Record<string, unknown> = { A: fake('A') };
    await expect(
      startServices([spec('A'), { name: 'B', pkg: '@beacon/not-here', exportName: 'startB' }], config, {
        log,
        importer: async (p) => mods[p] ?? import(p),
      }),
    ).rejects.toBeInstanceOf(ServiceMissingError);
    expect(events).toEqual([]);
  });

  it('gives up on a close that outlives the deadline and says which', async () => {
    const running: Running[] = [
      { name: 'quick', handle: { close: async () => undefined } },
      { name: 'stuck', handle: { close: () => new Promise<void>(() => undefined) } },
      { name: 'broken', handle: { close: async () => Promise.reject(new Error('socket gone')) } },
    ];
    const report = await closeWithin(running, 200, log);
    expect(report.clean).toBe(false);
    expect(report.closed).toEqual(['quick']);
    expect(report.timedOut).toEqual(['stuck']);
    expect(report.failed).toEqual([{ name: 'broken', error: 'socket gone' }]);
  });
});

describe('signals (child process)', () => {
  const fixture = fileURLToPath(new URL('./fixtures/serve-child.mjs', import.meta.url));

  const children = new Set<ReturnType<typeof spawn>>();
  afterAll(() => {
    for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
  });

  /** Sends the first signal once the services are up, each further one once shutdown has begun. */
  function run(mode: string, signals: NodeJS.Signals[]) {
    const child = spawn(process.execPath, [fixture, mode], { stdio: ['ignore', 'pipe', 'inherit'] });
    children.add(child);
    const queue = [...signals];
    const lines: Record<string, unknown>[] = [];
    const rl = createInterface({ input: child.stdout });
    rl.on('line', (l) => {
      const o = JSON.parse(l) as Record<string, unknown>;
      lines.push(o);
      if ((o.ready || o.msg === 'shutting down') && queue.length > 0) child.kill(queue.shift());
    });
    return new Promise<{ code: number | null; lines: Record<string, unknown>[] }>((resolve) =>
      child.on('close', (code) => resolve({ code, lines })),
    );
  }

  it('SIGTERM closes every service and exits 0', async () => {
    const { code, lines } = await run('clean', ['SIGTERM']);
    expect(lines).toContainEqual({ ready: ['collector', 'writer'] });
    expect(lines).toContainEqual({ closed: 'Collector' });
    expect(lines).toContainEqual({ closed: 'Writer' });
    expect(lines).toContainEqual({ exit: 'clean' });
    expect(code).toBe(0);
  });

  it('SIGINT with a service that never closes: exits 1 after the deadline, naming it', async () => {
    const { code, lines } = await run('hang', ['SIGINT']);
    expect(lines).toContainEqual({ closed: 'Collector' });
    const exit = lines.find((l) => l.exit) as { exit: string; message: string };
    expect(exit.exit).toBe('error');
    expect(exit.message).toMatch(/writer still closing after 500 ms/);
    expect(code).toBe(1);
  });

  it('a second signal exits at once with 128+signal', async () => {
    const { code, lines } = await run('hang', ['SIGTERM', 'SIGTERM']);
    expect(lines.find((l) => l.exit)).toBeUndefined();
    expect(code).toBe(143);
  });
});
