import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { closeWithin, createLogger, startServices, type Running } from '@beacon/observability';
import { parseConfig } from '@beacon/config';
import { readFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { TRACKER_FILE_NAMES as COLLECTOR_TRACKER_FILES } from '@beacon/collector';
import { createTestDatabase, REDIS_URL, uniquePrefix } from '@beacon/testkit';
import { TRACKER_FILE_NAMES, trackerFiles } from '@beacon-analytics/tracker';
import { START_ORDER } from '../src/serve/service-names.js';
import { SERVICES, trackerBuildDir } from '../src/serve/services.js';

// Real: the CLI's collector with the tracker build, child processes and signals. Fake: the service
// specs given to startServices (the four services' own tests start them for real).
const log = createLogger('test', 'silent');
const config = parseConfig({});

describe('the four services', () => {
  it('are known by name and start consumers before the collector', () => {
    expect(Object.keys(SERVICES).sort()).toEqual(['api', 'collector', 'enricher', 'writer']);
    expect([...START_ORDER].sort()).toEqual(['api', 'collector', 'enricher', 'writer']);
    expect(START_ORDER[START_ORDER.length - 1]).toBe('collector');
  });

  it("the collector looks for the tracker's own file names in the directory it is handed", () => {
    expect(COLLECTOR_TRACKER_FILES).toEqual(TRACKER_FILE_NAMES);
    expect(trackerBuildDir()).toBe(dirname(trackerFiles().core));
  });

  it('a collector started by the CLI serves the built tracker', async () => {
    const db = await createTestDatabase();
    const handle = await SERVICES.collector.start(
      parseConfig({
        DATABASE_URL: db.url,
        REDIS_URL,
        QUEUE_PREFIX: uniquePrefix('serve'),
        COLLECTOR_PORT: '0',
        COLLECTOR_OPS_PORT: '0',
        COLLECTOR_HOST: '127.0.0.1',
        LOG_LEVEL: 'silent',
      }),
    );
    try {
      const res = await fetch(`http://127.0.0.1:${handle.port}/v1/beacon.js`);
      expect(res.status).toBe(200);
      expect(await res.text()).toBe(await readFile(trackerFiles().core, 'utf8'));
    } finally {
      await handle.close();
      await db.drop();
    }
  });
});

describe('startServices / closeWithin', () => {
  const events: string[] = [];
  const fake = (name: string, opts: { failStart?: boolean; closeMs?: number } = {}) => ({
    name,
    start: async (cfg: unknown) => {
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
  beforeEach(() => events.splice(0));

  it('starts in order and closes all', async () => {
    const running = await startServices([fake('A'), fake('B')], config, { log });
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
    await expect(startServices([fake('A'), fake('B', { failStart: true })], config, { log })).rejects.toThrow(
      'B cannot bind',
    );
    expect(events).toEqual(['start A', 'close A']);
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
