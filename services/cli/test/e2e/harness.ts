/**
 * End-to-end harness: the four services as separate child processes (`beacon serve <service>`, the way
 * operators run them) on the machine's real PostgreSQL and Redis, each test file with its own
 * throwaway database (createTestDatabase) and BullMQ prefix, services on free loopback ports.
 * Also: a private redis-server for tests that need Redis to die (never the shared one).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Queue } from 'bullmq';
import { adminSql } from '@beacon/db';
import { QUEUE_EVENTS, QUEUE_HITS } from '@beacon/schema';
import { createRedis } from '@beacon/queue';
import {
  createTestDatabase,
  REDIS_URL,
  type TestDatabase,
  freePort,
  SERVICE_OPS_PORT_ENV,
  SERVICE_PORT_ENV,
  type ServiceName,
  uniquePrefix,
  waitFor,
} from '@beacon/testkit';
import { hashPassword } from '../../src/secrets.js';

export const REPO_ROOT = fileURLToPath(new URL('../../../../', import.meta.url));
export const CLI = join(REPO_ROOT, 'services/cli/dist/main.js');

export type { ServiceName } from '@beacon/testkit';

/** HTTP status of GET url, or 0 when nothing answers. */
export async function statusOf(url: string): Promise<number> {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(3_000) });
    await res.arrayBuffer();
    return res.status;
  } catch {
    return 0;
  }
}

export interface ServiceProc {
  name: ServiceName;
  child: ChildProcess;
  /** Base URL of its HTTP port (collector, api) or metrics/ops port (enricher, writer). */
  url: string;
  /** Resolves with the exit code (or the signal name) once the process has exited. */
  exited: Promise<number | string>;
  /** The last output lines (stdout + stderr), for failure messages. */
  output(): string;
}

export interface Stack {
  env: Record<string, string>;
  ports: Record<ServiceName, number>;
  /** The environment that names a started service's ports (what `beacon healthcheck` reads). */
  portEnvOf(name: ServiceName): Record<string, string>;
  procs: Partial<Record<ServiceName, ServiceProc>>;
  url(name: ServiceName): string;
  /** Spawns `beacon serve <name>` and waits until its /readyz answers 200 (unless ready: false). */
  start(name: ServiceName, opts?: { env?: Record<string, string>; ready?: boolean }): Promise<ServiceProc>;
  /** Sends `signal` and waits for the exit; returns the exit code (or the signal name). */
  stop(name: ServiceName, signal?: NodeJS.Signals, timeoutMs?: number): Promise<number | string>;
  /** SIGKILLs whatever still runs. */
  killAll(): Promise<void>;
}

export function createStack(db: TestDatabase, prefix: string, extraEnv: Record<string, string> = {}): Stack {
  const ports = {} as Record<ServiceName, number>;
  const procs: Partial<Record<ServiceName, ServiceProc>> = {};
  const env: Record<string, string> = {
    DATABASE_URL: db.url,
    REDIS_URL,
    QUEUE_PREFIX: prefix,
    LOG_LEVEL: 'warn',
    NODE_ENV: 'development',
    COLLECTOR_HOST: '127.0.0.1',
    API_HOST: '127.0.0.1',
    API_COOKIE_SECURE: 'false',
    API_JWT_SECRET: randomBytes(24).toString('hex'),
    DATABASE_POOL_MAX: '5',
    COLLECTOR_DATABASE_POOL_MAX: '2',
    WRITER_BATCH_MAX_WAIT_MS: '50',
    COMPANY_RANGES_RELOAD_SECONDS: '1',
    ...extraEnv,
  };
  // The internal ops ports of the collector and the api (/metrics, detailed /readyz): free ports too.
  const opsPorts: Partial<Record<ServiceName, number>> = {};
  const url = (name: ServiceName) => `http://127.0.0.1:${ports[name]}`;
  const portEnvOf = (name: ServiceName): Record<string, string> => ({
    [SERVICE_PORT_ENV[name]]: String(ports[name]),
    ...(SERVICE_OPS_PORT_ENV[name] ? { [SERVICE_OPS_PORT_ENV[name]]: String(opsPorts[name]) } : {}),
  });

  const stack: Stack = {
    env,
    ports,
    portEnvOf,
    procs,
    url,
    async start(name, opts = {}) {
      ports[name] ??= await freePort();
      if (SERVICE_OPS_PORT_ENV[name]) opsPorts[name] ??= await freePort();
      if (name === 'collector') env.COLLECTOR_PUBLIC_URL = url('collector');
      const child = spawn(process.execPath, [CLI, 'serve', name], {
        cwd: REPO_ROOT,
        env: { PATH: process.env.PATH ?? '', ...env, ...opts.env, ...portEnvOf(name) },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      const lines: string[] = [];
      const keep = (chunk: Buffer) => {
        lines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
        if (lines.length > 60) lines.splice(0, lines.length - 60);
      };
      child.stdout!.on('data', keep);
      child.stderr!.on('data', keep);
      const exited = new Promise<number | string>((resolve) =>
        child.once('exit', (code, signal) => resolve(code ?? signal ?? 'unknown')),
      );
      const proc: ServiceProc = { name, child, url: url(name), exited, output: () => lines.join('\n') };
      procs[name] = proc;
      if (opts.ready !== false) {
        let gone: number | string | undefined;
        void exited.then((c) => (gone = c));
        await waitFor(
          () => `${name} ready; output:\n${proc.output()}`,
          async () => {
            if (gone !== undefined) throw new Error(`${name} exited with ${gone}:\n${proc.output()}`);
            return (await statusOf(`${url(name)}/readyz`)) === 200;
          },
          { timeoutMs: 60_000, ignoreErrors: true },
        );
      }
      return proc;
    },
    async stop(name, signal = 'SIGTERM', timeoutMs = 30_000) {
      const proc = procs[name];
      if (!proc) throw new Error(`${name} is not running`);
      if (proc.child.exitCode === null && proc.child.signalCode === null) proc.child.kill(signal);
      let timer: NodeJS.Timeout | undefined;
      const code = await Promise.race([
        proc.exited,
        new Promise<string>((resolve) => {
          timer = setTimeout(() => resolve('deadline'), timeoutMs);
        }),
      ]);
      clearTimeout(timer);
      if (code === 'deadline') {
        proc.child.kill('SIGKILL');
        throw new Error(`${name} did not exit within ${timeoutMs} ms of ${signal}:\n${proc.output()}`);
      }
      delete procs[name];
      return code;
    },
    async killAll() {
      for (const p of Object.values(procs)) {
        if (p.child.exitCode === null && p.child.signalCode === null) {
          p.child.kill('SIGKILL');
          await p.exited;
        }
      }
    },
  };
  return stack;
}

export interface Seeded {
  agencyId: string;
  agencyEmail: string;
  siteId: string;
  scriptId: string;
  email: string;
  password: string;
}

/**
 * POST /v1/batch of `events` to the stack's collector as a tagged page on `origin` sends it (text/plain:
 * no CORS preflight); `ip` goes in X-Forwarded-For (the stack trusts loopback proxies).
 */
export function sendBatch(
  stack: Stack,
  site: Seeded,
  events: Record<string, unknown>[],
  o: { origin: string; ua: string; ip?: string; timeoutMs?: number },
): Promise<Response> {
  return fetch(`${stack.url('collector')}/v1/batch`, {
    method: 'POST',
    headers: {
      'content-type': 'text/plain;charset=UTF-8',
      origin: o.origin,
      'user-agent': o.ua,
      ...(o.ip ? { 'x-forwarded-for': o.ip } : {}),
    },
    body: JSON.stringify({ site_id: site.scriptId, events }),
    ...(o.timeoutMs ? { signal: AbortSignal.timeout(o.timeoutMs) } : {}),
  });
}

/** An agency, its admin user (bcrypt, as the CLI stores it) and one site. */
export async function seed(
  db: TestDatabase,
  site: { domain: string; config: Record<string, unknown> },
): Promise<Seeded> {
  const tag = randomBytes(4).toString('hex');
  const agencyEmail = `agency-${tag}@e2e.example`;
  const { rows: a } = await db.pool.query<{ id: string }>(adminSql.insertAgency, [
    'E2E agency',
    agencyEmail,
    'unused',
    `bk_${tag}`,
    null,
  ]);
  const scriptId = `e2e${tag}`;
  const { rows: s } = await db.pool.query<{ id: string }>(adminSql.insertSite, [
    a[0]!.id,
    'E2E site',
    site.domain,
    scriptId,
    JSON.stringify(site.config),
    null,
  ]);
  const email = `admin-${tag}@e2e.example`;
  const password = `pw-${randomBytes(8).toString('hex')}`;
  await db.pool.query(adminSql.insertUser, [
    a[0]!.id,
    email,
    await hashPassword(password),
    'admin',
    'E2E',
    'Admin',
    null,
    null,
  ]);
  return { agencyId: a[0]!.id, agencyEmail, siteId: s[0]!.id, scriptId, email, password };
}

/** Runs the CLI once (`beacon <args>`) with the stack's environment; resolves with its output. */
export async function runCli(
  args: string[],
  env: Record<string, string>,
): Promise<{ code: number | null; out: string }> {
  const child = spawn(process.execPath, [CLI, ...args], {
    cwd: REPO_ROOT,
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr.on('data', (c: Buffer) => (out += c.toString()));
  const [code] = (await once(child, 'exit')) as [number | null];
  return { code, out };
}

/** Imports an agency's IP-range -> company CSV through `beacon companies import`. */
export async function importCompanies(
  csv: string,
  agencyEmail: string,
  env: Record<string, string>,
): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'beacon-e2e-'));
  try {
    const file = join(dir, 'ranges.csv');
    writeFileSync(file, csv);
    const { code, out } = await runCli(['companies', 'import', '--agency', agencyEmail, file], env);
    if (code !== 0) throw new Error(`beacon companies import failed (${code}): ${out}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** A logged-in API client (POST /v1/auth/login as the seeded admin). */
export async function apiClient(
  base: string,
  email: string,
  password: string,
): Promise<(path: string) => Promise<unknown>> {
  const res = await fetch(`${base}/v1/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email, password }),
  });
  const body = (await res.json()) as { access_token?: string };
  if (res.status !== 200 || !body.access_token)
    throw new Error(`login failed: ${res.status} ${JSON.stringify(body)}`);
  const token = body.access_token;
  return async (path: string) => {
    const r = await fetch(`${base}${path}`, { headers: { authorization: `Bearer ${token}` } });
    const b = (await r.json()) as unknown;
    if (r.status !== 200) throw new Error(`GET ${path}: ${r.status} ${JSON.stringify(b)}`);
    return b;
  };
}

/** A private redis-server on a free port (no persistence), for tests that kill Redis. */
export async function privateRedis(): Promise<{
  port: number;
  url: string;
  proc: ChildProcess;
  kill(): Promise<void>;
  restart(): Promise<void>;
}> {
  const port = await freePort();
  const startOne = async () => {
    const p = spawn(
      'redis-server',
      ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
      {
        stdio: ['ignore', 'pipe', 'ignore'],
      },
    );
    await waitFor(
      `private redis-server on ${port}`,
      () =>
        new Promise<boolean>((resolve) => {
          const sock = createConnectionSafe(port, resolve);
          void sock;
        }),
      { timeoutMs: 10_000, intervalMs: 50, ignoreErrors: true },
    );
    return p;
  };
  const handle = {
    port,
    url: `redis://127.0.0.1:${port}`,
    proc: await startOne(),
    async kill() {
      if (handle.proc.exitCode === null && handle.proc.signalCode === null) {
        const gone = once(handle.proc, 'exit');
        handle.proc.kill('SIGKILL');
        await gone;
      }
    },
    async restart() {
      await handle.kill();
      handle.proc = await startOne();
    },
  };
  return handle;
}

function createConnectionSafe(port: number, done: (ok: boolean) => void) {
  const s = connect(port, '127.0.0.1');
  s.once('connect', () => {
    s.end();
    done(true);
  });
  s.once('error', () => done(false));
  return s;
}

/** Deletes every key under a test's prefix (queues, and the enricher's dedupe claims with their 24 h TTL). */
export async function deletePrefix(redis: import('@beacon/queue').Redis, prefix: string): Promise<void> {
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
    cursor = next;
    if (keys.length) await redis.del(...keys);
  } while (cursor !== '0');
}

export { freePort } from '@beacon/testkit';

/** Starts the four services the way `serve all` orders them: consumers first, the collector last. */
export async function startAll(stack: Stack): Promise<void> {
  await Promise.all([stack.start('writer'), stack.start('enricher'), stack.start('api')]);
  await stack.start('collector');
}

/**
 * What every end-to-end file leaves behind, removed: its services killed, its queues obliterated, every
 * key under its prefix deleted, its Redis connection closed and its database dropped.
 */
export async function tearDown(o: {
  stack?: Stack;
  redis?: import('@beacon/queue').Redis;
  prefix: string;
  db?: TestDatabase;
}): Promise<void> {
  await o.stack?.killAll();
  if (o.redis) {
    for (const name of [QUEUE_HITS, QUEUE_EVENTS]) {
      const q = new Queue(name, { connection: o.redis, prefix: o.prefix });
      await q.obliterate({ force: true }).catch(() => undefined);
      await q.close();
    }
    await deletePrefix(o.redis, o.prefix).catch(() => undefined);
    o.redis.disconnect();
  }
  await o.db?.drop();
}

/** What a file running the services works with, filled in by the time its tests run. */
export interface RunningStack {
  db: TestDatabase;
  stack: Stack;
  /**
   * A connection of the test's own to the shared Redis (queues, keys under `prefix`); not made for a
   * file that brings its own Redis.
   */
  redis: import('@beacon/queue').Redis;
  prefix: string;
}

/**
 * A Redis of the file's own (a private redis-server, a cluster) in place of the shared one: started
 * first, it answers the environment that points the services at it (REDIS_URL, REDIS_CLUSTER_NODES) and
 * how to end it, which happens once the services are gone.
 */
export type OwnRedis = () => Promise<{ env: Record<string, string>; stop(): Promise<void> }>;

/**
 * Registers the hooks of a file that runs the services: before its tests, its own Redis (if any), a
 * database, the stack (with `env`), `prepare` (seeds, imports: the services are not running yet), the
 * services started by `start` (all four in `serve all`'s order unless told) and a Redis connection;
 * after them, tearDown and the file's own Redis stopped.
 */
export function useRunningStack(
  name: string,
  opts: {
    env?: Record<string, string>;
    prepare?: (w: Pick<RunningStack, 'db' | 'stack'>) => Promise<void>;
    start?: (stack: Stack) => Promise<unknown>;
    ownRedis?: OwnRedis;
  } = {},
): RunningStack {
  const w = { prefix: uniquePrefix(name) } as Partial<RunningStack> & { prefix: string };
  let own: Awaited<ReturnType<OwnRedis>> | undefined;
  beforeAll(async () => {
    own = await opts.ownRedis?.();
    w.db = await createTestDatabase();
    w.stack = createStack(w.db, w.prefix, { ...opts.env, ...own?.env });
    await opts.prepare?.(w as RunningStack);
    await (opts.start ?? startAll)(w.stack);
    if (!opts.ownRedis) w.redis = createRedis(REDIS_URL, 'worker');
  }, 120_000);
  afterAll(async () => {
    await tearDown(w);
    await own?.stop();
  }, 60_000);
  return w as RunningStack;
}
