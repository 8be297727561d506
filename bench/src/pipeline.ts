import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { createRedis, type RedisClient } from '@beacon/queue';
import {
  createTestDatabase,
  SERVICE_OPS_PORT_ENV,
  SERVICE_PORT_ENV,
  type TestDatabase,
} from '@beacon/testkit';
import { cpuSeconds, freePort, waitReady } from './processes.js';

/**
 * The whole pipeline as separate processes (`beacon serve collector|enricher|writer|api`, as operators
 * run it) on a throwaway database of the machine's PostgreSQL and a PRIVATE redis-server, with the
 * tracker-like load the e2e and memory benchmarks send. Every request carries unique event_ids (a fixed
 * body would be dropped as client retries) and one of 1,000 visitors and 1,000 public IPs.
 */
const CLI = fileURLToPath(new URL('../../services/cli/dist/main.js', import.meta.url));
export const SITE = 'benche2e';
export const SERVICES = ['writer', 'enricher', 'api', 'collector'] as const;
export type Service = (typeof SERVICES)[number];

export interface Load {
  name: string;
  path: string;
  hitsPerRequest: number;
}
export const LOADS: Load[] = [
  { name: 'batch of 20', path: '/v1/batch', hitsPerRequest: 20 },
  { name: 'single hit', path: '/v1/track', hitsPerRequest: 1 },
];

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const RUN = randomBytes(3).toString('hex');
let seq = 0;

function hit(client: number): string {
  const id = (++seq).toString(16).padStart(12, '0');
  return JSON.stringify({
    event_name: seq % 5 === 4 ? 'engagement' : 'page_view',
    event_id: `e2e${RUN}${id}`,
    timestamp: Date.now(),
    client_id: `c${RUN}${client.toString(16).padStart(6, '0')}`,
    session_id: `s${RUN}${client.toString(16).padStart(6, '0')}`,
    session_number: 1,
    page_url: `https://www.example-shop.com/products/outdoor/hiking-boots-${seq % 50}?utm_source=newsletter&utm_medium=email&utm_campaign=autumn_sale`,
    page_title: 'Waterproof Hiking Boots – Outdoor Collection | Example Shop',
    referrer: 'https://www.google.com/search?q=waterproof+hiking+boots',
    screen_resolution: '1920x1080',
    viewport_size: '1536x746',
    language: 'en-GB',
    time_on_page: 42,
    scroll_depth: 65,
    properties: { category: 'footwear', variant: 'brown-42' },
  });
}
export const UA =
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36';
const ips = Array.from(
  { length: 1000 },
  (_, i) => `${80 + (i % 100)}.${(i * 7) % 250}.${(i * 13) % 250}.${1 + (i % 250)}`,
);

function body(load: Load): string {
  const client = Math.floor(Math.random() * 1000);
  if (load.hitsPerRequest === 1) return `{"site_id":"${SITE}",${hit(client).slice(1)}`;
  const events = Array.from({ length: load.hitsPerRequest }, () => hit(client)).join(',');
  return `{"site_id":"${SITE}","events":[${events}]}`;
}

/** The sum of a Prometheus metric's samples (optionally only lines containing `labels`) at <port>/metrics. */
export async function metric(port: number, name: string, labels = ''): Promise<number> {
  const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  let sum = 0;
  for (const line of text.split('\n'))
    if (
      line.startsWith(name) &&
      (line[name.length] === ' ' || line[name.length] === '{') &&
      line.includes(labels)
    )
      sum += Number(line.slice(line.lastIndexOf(' ') + 1));
  return sum;
}

interface Proc {
  child: ChildProcess;
  port: number;
  /** where its /metrics answers (the collector's and API's internal ops port). */
  metricsPort: number;
}

export interface Pipeline {
  db: TestDatabase;
  redis: RedisClient;
  procs: Partial<Record<Service, Proc>>;
  start(name: Service): Promise<void>;
  stop(name: Service): Promise<void>;
  /** hits and events jobs waiting in the private Redis. */
  depth(): Promise<{ hits: number; events: number }>;
  /** Waits until no job waits or runs (5 minutes at most). */
  drain(what: string): Promise<void>;
  /** CPU seconds so far per stage (postgres: the backends of this database, summed). */
  cpu(): Promise<Record<string, number>>;
  /** autocannon against the collector; `overallRate` in requests/s (fewer connections then). */
  cannon(load: Load, duration: number, overallRate?: number): ReturnType<typeof autocannon>;
  close(): Promise<void>;
}

/** A private Redis, a throwaway database with one agency and site (SITE); no service started yet. */
export async function startPipeline(connections: number): Promise<Pipeline> {
  const redisPort = await freePort();
  const redisProc = spawn(
    'redis-server',
    ['--port', String(redisPort), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
    { stdio: 'ignore' },
  );
  const db = await createTestDatabase();
  const redis = createRedis(`redis://127.0.0.1:${redisPort}`, 'worker');
  const prefix = 'bench';
  const procs: Partial<Record<Service, Proc>> = {};
  const env = {
    PATH: process.env.PATH ?? '',
    DATABASE_URL: db.url,
    REDIS_URL: `redis://127.0.0.1:${redisPort}`,
    QUEUE_PREFIX: prefix,
    LOG_LEVEL: 'warn',
    COLLECTOR_HOST: '127.0.0.1',
    API_HOST: '127.0.0.1',
    API_JWT_SECRET: randomBytes(24).toString('hex'),
    // The collector-alone phase queues hits with nobody consuming them.
    COLLECTOR_QUEUE_MAX_JOBS: '100000000',
    COLLECTOR_MAX_PENDING_HITS: '1000000',
  };
  const stop = async (name: Service) => {
    const p = procs[name];
    if (!p) return;
    const exited = once(p.child, 'exit');
    p.child.kill('SIGTERM');
    const timer = setTimeout(() => p.child.kill('SIGKILL'), 30_000);
    await exited;
    clearTimeout(timer);
    delete procs[name];
  };
  const depth = async () => ({
    hits: await redis.llen(`${prefix}:hits:wait`),
    events: await redis.llen(`${prefix}:events:wait`),
  });
  const pgPids = async () =>
    (
      await db.pool.query<{ pid: number }>(
        `SELECT pid FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()`,
        [db.name],
      )
    ).rows.map((r) => r.pid);
  await db.pool.query(
    `WITH a AS (INSERT INTO agencies (name, api_key) VALUES ('bench', 'x') RETURNING id)
     INSERT INTO sites (agency_id, name, domain, script_id) SELECT id, 'bench', 'example-shop.com', $1 FROM a`,
    [SITE],
  );
  return {
    db,
    redis,
    procs,
    stop,
    depth,
    async start(name) {
      const port = await freePort();
      // The internet-facing services keep /metrics on an internal ops port.
      const opsEnv = SERVICE_OPS_PORT_ENV[name];
      const metricsPort = opsEnv ? await freePort() : port;
      const child = spawn(process.execPath, [CLI, 'serve', name], {
        env: {
          ...env,
          [SERVICE_PORT_ENV[name]]: String(port),
          ...(opsEnv && { [opsEnv]: String(metricsPort) }),
        },
        stdio: ['ignore', 'inherit', 'inherit'],
      });
      procs[name] = { child, port, metricsPort };
      await waitReady(child, `http://127.0.0.1:${port}`, name, 120_000);
    },
    async cpu() {
      const out: Record<string, number> = {};
      for (const s of SERVICES) out[s] = procs[s] ? await cpuSeconds(procs[s]!.child.pid) : 0;
      out.redis = await cpuSeconds(redisProc.pid);
      const pids = await pgPids();
      let pg = 0;
      for (const pid of pids) {
        const c = await cpuSeconds(pid);
        if (Number.isFinite(c)) pg += c;
      }
      out.postgres = pg;
      out.postgresPids = pids.length;
      return out;
    },
    async drain(what) {
      const deadline = Date.now() + 300_000;
      for (;;) {
        const d = await depth();
        const active =
          (await redis.llen(`${prefix}:hits:active`)) + (await redis.llen(`${prefix}:events:active`));
        if (d.hits === 0 && d.events === 0 && active === 0) return;
        if (Date.now() > deadline) throw new Error(`queues not drained (${what}): ${JSON.stringify(d)}`);
        await sleep(250);
      }
    },
    cannon: (load, duration, overallRate) =>
      autocannon({
        url: `http://127.0.0.1:${procs.collector!.port}${load.path}`,
        method: 'POST',
        connections: overallRate ? Math.min(connections, 10) : connections,
        duration,
        ...(overallRate ? { overallRate } : {}),
        requests: [
          {
            setupRequest: (req) => ({
              ...req,
              headers: {
                'content-type': 'text/plain;charset=UTF-8',
                origin: 'https://www.example-shop.com',
                'user-agent': UA,
                'x-forwarded-for': ips[seq % ips.length]!,
              },
              body: body(load),
            }),
          },
        ],
      }),
    async close() {
      for (const s of SERVICES) await stop(s).catch(() => undefined);
      redis.disconnect();
      redisProc.kill('SIGKILL');
      await db.drop();
    },
  };
}
