import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { createRedis } from '@beacon/queue';
import { createTestDatabase, type TestDatabase } from '@beacon/testkit';
import { percentile, report, type Figure } from '../report.js';
import { cpuSeconds, freePort } from '../processes.js';
import { benchSettings, count } from '../settings.js';

/**
 * `pnpm bench e2e`: the whole pipeline as separate processes (`beacon serve collector|enricher|writer|api`,
 * as operators run it) on a throwaway database of the machine's PostgreSQL and a PRIVATE redis-server.
 * For each load (tracker-like batches of 20 hits per request; one hit per request):
 *   1. collector alone (no enricher/writer running): hits/s it accepts; the baseline of the ratios;
 *   2. full load for BENCH_E2E_SECONDS (default 60) with the whole pipeline: hits accepted/s, rows
 *      written/s (the writer's beacon_writer_rows_total), hits/events wait-list depth sampled every
 *      second (growing = that stage cannot keep up), CPU seconds per stage (/proc/<pid>/stat of each
 *      child, the redis-server and the PostgreSQL backends of the database), the limiting stage;
 *   3. half of the sustained rate for half the time, with freshness probes: a hit every 50 ms on its
 *      own, its 202 time remembered, polled in events by its client_id until queryable: p50/p95.
 * Every request carries unique event_ids (a fixed body would be dropped as client retries) and one of
 * 1,000 visitors and 1,000 public IPs. Env: BENCH_E2E_SECONDS, BENCH_CONNECTIONS (default 50).
 */
const CLI = fileURLToPath(new URL('../../../services/cli/dist/main.js', import.meta.url));
const SITE = 'benche2e';
const SERVICES = ['writer', 'enricher', 'api', 'collector'] as const;
type Service = (typeof SERVICES)[number];

interface Load {
  name: string;
  path: string;
  hitsPerRequest: number;
}
const LOADS: Load[] = [
  { name: 'batch of 20', path: '/v1/batch', hitsPerRequest: 20 },
  { name: 'single hit', path: '/v1/track', hitsPerRequest: 1 },
];

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
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
const RUN = randomBytes(3).toString('hex');
const UA =
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

interface Proc {
  child: ChildProcess;
  port: number;
}

async function waitReady(url: string, child: ChildProcess, name: string): Promise<void> {
  const deadline = Date.now() + 120_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`${name} exited with ${child.exitCode}`);
    try {
      if ((await fetch(url, { signal: AbortSignal.timeout(2_000) })).status === 200) return;
    } catch {
      /* not up yet */
    }
    if (Date.now() > deadline) throw new Error(`${name} not ready within 120 s`);
    await sleep(100);
  }
}

async function metric(port: number, name: string, labels = ''): Promise<number> {
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

export async function e2eBench(): Promise<void> {
  const { seconds, connections } = benchSettings({
    seconds: count('BENCH_E2E_SECONDS', 60, 'load duration'),
    connections: count('BENCH_CONNECTIONS', 50, 'concurrent connections'),
  });
  const redisPort = await freePort();
  const redisProc = spawn(
    'redis-server',
    ['--port', String(redisPort), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
    { stdio: 'ignore' },
  );
  const db: TestDatabase = await createTestDatabase();
  const redis = createRedis(`redis://127.0.0.1:${redisPort}`, 'worker');
  const prefix = 'bench';
  const procs: Partial<Record<Service, Proc>> = {};
  const figures: Figure[] = [];
  const raw: Record<string, unknown> = {};
  const portEnv: Record<Service, string> = {
    collector: 'COLLECTOR_PORT',
    api: 'API_PORT',
    enricher: 'ENRICHER_METRICS_PORT',
    writer: 'WRITER_METRICS_PORT',
  };
  const env = {
    PATH: process.env.PATH ?? '',
    DATABASE_URL: db.url,
    REDIS_URL: `redis://127.0.0.1:${redisPort}`,
    QUEUE_PREFIX: prefix,
    LOG_LEVEL: 'warn',
    COLLECTOR_HOST: '127.0.0.1',
    API_HOST: '127.0.0.1',
    COLLECTOR_OPS_PORT: '0',
    API_OPS_PORT: '0',
    API_JWT_SECRET: randomBytes(24).toString('hex'),
    // The collector-alone phase queues hits with nobody consuming them.
    COLLECTOR_QUEUE_MAX_JOBS: '100000000',
    COLLECTOR_MAX_PENDING_HITS: '1000000',
  };
  const start = async (name: Service) => {
    const port = await freePort();
    const child = spawn(process.execPath, [CLI, 'serve', name], {
      env: { ...env, [portEnv[name]]: String(port) },
      stdio: ['ignore', 'inherit', 'inherit'],
    });
    procs[name] = { child, port };
    await waitReady(`http://127.0.0.1:${port}/readyz`, child, name);
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
  /** CPU seconds so far per stage (postgres: the backends of this database, summed). */
  const cpu = async (): Promise<Record<string, number>> => {
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
  };
  const drain = async (what: string) => {
    const deadline = Date.now() + 300_000;
    for (;;) {
      const d = await depth();
      const active =
        (await redis.llen(`${prefix}:hits:active`)) + (await redis.llen(`${prefix}:events:active`));
      if (d.hits === 0 && d.events === 0 && active === 0) return;
      if (Date.now() > deadline) throw new Error(`queues not drained (${what}): ${JSON.stringify(d)}`);
      await sleep(250);
    }
  };
  const cannon = (load: Load, duration: number, overallRate?: number) =>
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
    });

  try {
    await db.pool.query(
      `WITH a AS (INSERT INTO agencies (name, api_key) VALUES ('bench', 'x') RETURNING id)
       INSERT INTO sites (agency_id, name, domain, script_id) SELECT id, 'bench', 'example-shop.com', $1 FROM a`,
      [SITE],
    );
    await start('collector');
    for (const load of LOADS) {
      const r: Record<string, unknown> = {};
      // 1. Collector alone: the same load, nobody consuming (hits pile up in the private Redis).
      await stop('enricher');
      await stop('writer');
      await cannon(load, 2); // warm-up
      const aloneSecs = Math.min(10, Math.max(3, Math.round(seconds / 4)));
      const alone = await cannon(load, aloneSecs);
      const aloneHitsPerSec = (alone['2xx'] * load.hitsPerRequest) / aloneSecs;
      r.alone = { hitsPerSec: aloneHitsPerSec, non2xx: alone.non2xx, errors: alone.errors };
      await start('writer');
      await start('enricher');
      if (!procs.api) await start('api');
      await drain('after the collector-alone phase');

      // 2. Full load through the whole pipeline.
      const rows0 = await metric(procs.writer!.port, 'beacon_writer_rows_total');
      const cpu0 = await cpu();
      const samples: { t: number; hits: number; events: number }[] = [];
      const t0 = Date.now();
      let sampling = true;
      const sampler = (async () => {
        while (sampling) {
          samples.push({ t: (Date.now() - t0) / 1000, ...(await depth()) });
          await sleep(1000);
        }
      })();
      const full = await cannon(load, seconds);
      sampling = false;
      await sampler;
      const cpu1 = await cpu();
      const rows1 = await metric(procs.writer!.port, 'beacon_writer_rows_total');
      const acceptedPerSec = (full['2xx'] * load.hitsPerRequest) / seconds;
      const rowsPerSec = (rows1 - rows0) / seconds;
      const first = samples.slice(0, Math.max(1, Math.floor(samples.length / 4)));
      const last = samples.slice(-Math.max(1, Math.floor(samples.length / 4)));
      const avg = (xs: typeof samples, k: 'hits' | 'events') => xs.reduce((a, s) => a + s[k], 0) / xs.length;
      const growth = {
        hits: avg(last, 'hits') - avg(first, 'hits'),
        events: avg(last, 'events') - avg(first, 'events'),
      };
      const cpuUse: Record<string, number> = {};
      for (const k of [...SERVICES, 'redis', 'postgres']) cpuUse[k] = (cpu1[k]! - cpu0[k]!) / seconds;
      // The stage in front of a growing wait list is the one that cannot keep up; with neither
      // growing, the pipeline keeps pace with what the collector accepts (the collector, or the
      // load generator sharing the same 2 cores, is the limit).
      const threshold = 50; // jobs: more than noise between two samples
      const limiting =
        growth.hits > threshold
          ? 'enricher (hits wait list grows)'
          : growth.events > threshold
            ? 'writer/PostgreSQL (events wait list grows)'
            : 'collector/HTTP intake (no wait list grows)';
      r.full = {
        acceptedPerSec,
        rowsPerSec,
        non2xx: full.non2xx,
        errors: full.errors,
        samples,
        growth,
        cpuCoresPerStage: cpuUse,
        limiting,
      };
      await drain('after the full-load phase');

      // 3. Half the sustained rate, with freshness probes.
      const sustained = Math.min(acceptedPerSec, rowsPerSec);
      const halfSecs = Math.max(5, Math.round(seconds / 2));
      const rate = Math.max(1, Math.round(sustained / 2 / load.hitsPerRequest));
      const probes: { client: string; sent: number; stored?: number }[] = [];
      let probing = true;
      const prober = (async () => {
        while (probing) {
          const client = `probe${RUN}${randomBytes(6).toString('hex')}`;
          const res = await fetch(`http://127.0.0.1:${procs.collector!.port}/v1/track`, {
            method: 'POST',
            headers: {
              'content-type': 'text/plain;charset=UTF-8',
              'user-agent': UA,
              'x-forwarded-for': '80.1.2.3',
            },
            body: JSON.stringify({
              site_id: SITE,
              event_name: 'page_view',
              event_id: client,
              client_id: client,
              session_id: client,
              page_url: 'https://www.example-shop.com/probe',
            }),
          });
          await res.arrayBuffer();
          if (res.status === 202) probes.push({ client, sent: Date.now() });
          await sleep(50);
        }
      })();
      const poller = (async () => {
        while (probing || probes.some((p) => p.stored === undefined)) {
          const pending = probes.filter((p) => p.stored === undefined);
          if (pending.length) {
            const { rows } = await db.pool.query<{ client_id: string }>(
              'SELECT client_id FROM events WHERE client_id = ANY($1)',
              [pending.map((p) => p.client)],
            );
            const now = Date.now();
            const found = new Set(rows.map((x) => x.client_id));
            for (const p of pending) if (found.has(p.client)) p.stored = now;
          }
          await sleep(20);
        }
      })();
      const half = await cannon(load, halfSecs, rate);
      probing = false;
      await prober;
      await Promise.race([poller, sleep(60_000)]);
      const fresh = probes.filter((p) => p.stored !== undefined).map((p) => p.stored! - p.sent);
      r.half = {
        targetHitsPerSec: rate * load.hitsPerRequest,
        acceptedPerSec: (half['2xx'] * load.hitsPerRequest) / halfSecs,
        probes: probes.length,
        freshnessP50Ms: percentile(fresh, 50),
        freshnessP95Ms: percentile(fresh, 95),
      };
      await drain('after the half-rate phase');

      const f = r.full as {
        acceptedPerSec: number;
        rowsPerSec: number;
        limiting: string;
        growth: typeof growth;
      };
      figures.push(
        {
          name: `${load.name}: collector alone, hits/s`,
          value: Math.round(aloneHitsPerSec),
          unit: 'hits/s',
        },
        {
          name: `${load.name}: pipeline, events/s written`,
          value: Math.round(f.rowsPerSec),
          unit: 'events/s',
          ratio: f.rowsPerSec / aloneHitsPerSec,
          baseline: 'vs collector alone (same run)',
        },
        {
          name: `${load.name}: pipeline, hits/s accepted`,
          value: Math.round(f.acceptedPerSec),
          unit: 'hits/s',
          ratio: f.acceptedPerSec / aloneHitsPerSec,
          baseline: 'vs collector alone (same run)',
        },
        { name: `${load.name}: hits wait-list growth`, value: Math.round(f.growth.hits), unit: 'jobs' },
        { name: `${load.name}: events wait-list growth`, value: Math.round(f.growth.events), unit: 'jobs' },
        {
          name: `${load.name}: freshness p95 at half rate`,
          value: (r.half as { freshnessP95Ms: number }).freshnessP95Ms,
          unit: 'ms',
        },
        {
          name: `${load.name}: freshness p50 at half rate`,
          value: (r.half as { freshnessP50Ms: number }).freshnessP50Ms,
          unit: 'ms',
        },
      );
      for (const [stage, cores] of Object.entries(
        (r.full as { cpuCoresPerStage: Record<string, number> }).cpuCoresPerStage,
      ))
        figures.push({
          name: `${load.name}: CPU ${stage} (µs per written event)`,
          value: Math.round((cores * 1e6) / Math.max(1, f.rowsPerSec)),
          unit: `µs (${cores.toFixed(2)} cores)`,
        });
      console.log(`${load.name}: limiting stage: ${f.limiting}`);
      raw[load.name] = r;
    }
    await report('e2e', figures, {
      raw,
      seconds,
      connections,
      note:
        'Shared 2-core machine: the load generator, four services, Redis and PostgreSQL share the cores with ' +
        'other work, so figures are noisy; compare ratios within one run. postgres CPU counts only the ' +
        'backends of this database (not the WAL writer, checkpointer or autovacuum).',
    });
  } finally {
    for (const s of SERVICES) await stop(s).catch(() => undefined);
    redis.disconnect();
    redisProc.kill('SIGKILL');
    await db.drop();
  }
}
