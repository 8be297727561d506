import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { Queue, Worker } from 'bullmq';
import { parseConfig } from '@beacon/config';
import { createDeviceParser, createNetworkLookup, startEnricher, type NetworkLookup } from '@beacon/enricher';
import { createLogger } from '@beacon/observability';
import { createRedis } from '@beacon/queue';
import { mulberry32, type RawJob } from '@beacon/schema';
import { createTestDatabase, fixturePath, REDIS_URL, uniquePrefix } from '@beacon/testkit';
import { median, report, type Figure } from '../report.js';
import { benchSettings, count, runs as runsOf } from '../settings.js';

/** 1,000 of intoli's weighted real UAs (a seeded sample, see packages/testkit/fixtures/README.md). */
const INTOLI = fixturePath('user-agents/intoli/user-agents-sample.json');

interface Visitor {
  ua: string;
  ip: string;
}

/** Picks from `items` in proportion to `weight` (intoli's market-share weights). */
function weightedPicker<T extends { weight: number }>(items: readonly T[], r: () => number): () => T {
  const cum: number[] = [];
  let s = 0;
  for (const it of items) cum.push((s += it.weight));
  return () => {
    const x = r() * s;
    let lo = 0;
    let hi = cum.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (cum[mid]! < x) lo = mid + 1;
      else hi = mid;
    }
    return items[lo]!;
  };
}

/** A random public IPv4 (skips 0/8, 10/8, 127/8, 169.254/16, 172.16/12, 192.168/16, 224+/3). */
function publicIp(r: () => number): string {
  for (;;) {
    const a = 1 + Math.floor(r() * 222);
    const b = Math.floor(r() * 256);
    if (
      a === 10 ||
      a === 127 ||
      (a === 169 && b === 254) ||
      (a === 172 && b >= 16 && b < 32) ||
      (a === 192 && b === 168)
    )
      continue;
    return `${a}.${b}.${Math.floor(r() * 256)}.${1 + Math.floor(r() * 254)}`;
  }
}

/**
 * Raw jobs as the collector makes them: 100 hits per job, requests of 1-5 hits, each request from a
 * visitor of a pool (weighted real UA + an IP), visitors repeating as on a real site.
 */
function makeJobs(totalHits: number, siteId: string): { id: string; data: RawJob }[] {
  const r = mulberry32(42);
  const uas = JSON.parse(readFileSync(INTOLI, 'utf8')) as { userAgent: string; weight: number }[];
  const pickUa = weightedPicker(uas, r);
  const visitors: Visitor[] = Array.from({ length: Math.max(100, Math.floor(totalHits / 8)) }, () => ({
    ua: pickUa().userAgent,
    ip: publicIp(r),
  }));
  const jobs: { id: string; data: RawJob }[] = [];
  let made = 0;
  const now = Date.now();
  while (made < totalHits) {
    const requests: RawJob['requests'] = [];
    let inJob = 0;
    while (inJob < 100 && made < totalHits) {
      const v = visitors[Math.floor(Math.pow(r(), 1.5) * visitors.length)]!;
      const n = Math.min(1 + Math.floor(r() * 5), 100 - inJob, totalHits - made);
      const hits = Array.from({ length: n }, (_, i) => ({
        id: randomUUID(),
        server_timestamp: new Date(now + made + i).toISOString(),
        event_name: i === 0 ? 'page_view' : 'scroll',
        event_id: randomUUID(),
        client_id: `c${made}`,
        session_id: `s${made}`,
        page_url: `https://bench.example/p/${Math.floor(r() * 50)}?utm_source=news&utm_medium=email`,
        referrer: r() < 0.5 ? 'https://www.google.com/search?q=beacon' : '',
        language: 'en-us',
        scroll_depth: Math.floor(r() * 100),
        time_on_page: Math.floor(r() * 300),
        screen_resolution: '1920x1080',
      }));
      requests.push({
        site_id: siteId,
        ip: v.ip,
        user_agent: v.ua,
        client_hints: {},
        origin: 'bench.example',
        hits,
      });
      inJob += n;
      made += n;
    }
    jobs.push({ id: randomUUID(), data: { type: 'raw', v: 1, requests } });
  }
  return jobs;
}

async function fill(queue: Queue, jobs: readonly { id: string; data: RawJob }[]): Promise<void> {
  for (let i = 0; i < jobs.length; i += 200)
    await queue.addBulk(
      jobs.slice(i, i + 200).map((j) => ({ name: 'raw', data: j.data, opts: { jobId: j.id } })),
    );
}

async function drained(queue: Queue, total: number): Promise<void> {
  for (;;) {
    const c = await queue.getJobCounts('completed', 'failed');
    if ((c.completed ?? 0) + (c.failed ?? 0) >= total) return;
    await new Promise((r) => setTimeout(r, 20));
  }
}

/**
 * `pnpm bench enricher`: events/s of the enricher (all steps, real databases: DB-IP Lite City,
 * @ip-location-db/asn, shipped lists) on one Node thread, against a pass-through worker that moves
 * the same jobs from `hits` to `events` unchanged in the same run; cache hit ratios, per-step cost,
 * cold per-field costs, and start-up time / memory of the default data.
 */
export async function enricherBench(): Promise<void> {
  const { totalHits, runs } = benchSettings({
    totalHits: count('BENCH_ENRICHER_HITS', 50_000, 'hits per run'),
    runs: runsOf(2),
  });
  const logger = createLogger('bench', 'warn');

  // ── start-up of the default data ──
  (globalThis as { gc?: () => void }).gc?.();
  const rss0 = process.memoryUsage().rss;
  const heap0 = process.memoryUsage().heapUsed;
  const t0 = performance.now();
  const network: NetworkLookup = createNetworkLookup({ logger, watchIntervalMs: 0, ipCacheSize: 20_000 });
  const startupMs = performance.now() - t0;
  (globalThis as { gc?: () => void }).gc?.();
  const rssMB = (process.memoryUsage().rss - rss0) / 1e6;
  const heapMB = (process.memoryUsage().heapUsed - heap0) / 1e6;

  const db = await createTestDatabase();
  const siteId = 'benchsite';
  await db.pool.query(
    `WITH a AS (INSERT INTO agencies (name, api_key) VALUES ('bench', 'x') RETURNING id)
     INSERT INTO sites (agency_id, name, domain, script_id, config) SELECT id, 'bench', 'bench.example', $1, '{"bot_policy":"keep"}' FROM a`,
    [siteId],
  );
  const jobs = makeJobs(totalHits, siteId);
  const passRates: number[] = [];
  /** CPU time of this process (user + system) per hit while each worker ran: less exposed to other load
   * on a shared machine than the wall-clock rates (Redis's own CPU is not in it, for either worker). */
  const passCpu: number[] = [];
  const enrCpu: number[] = [];
  const cpuUsPerHit = (since: NodeJS.CpuUsage) => {
    const d = process.cpuUsage(since);
    return (d.user + d.system) / totalHits;
  };
  const enrRates: number[] = [];
  let last: {
    phases: ReturnType<Awaited<ReturnType<typeof startEnricher>>['phaseTotals']>;
    steps: { name: string; ms: number; count: number }[];
    ua: { hits: number; misses: number };
    ip: { hits: number; misses: number };
  } | null = null;
  const redis = createRedis(REDIS_URL, 'worker');
  const rawBytesPerHit = jobs.reduce((s, j) => s + JSON.stringify(j.data).length, 0) / totalHits;
  let eventsBytes = 0;
  /** startEnricher's own time, inside the timed run (the pass-through's Worker starts in ~0 ms). */
  const startMs: number[] = [];
  let eventsRows = 0;
  try {
    for (let run = 0; run < runs; run++) {
      // ── pass-through baseline: hits → events unchanged ──
      {
        const prefix = uniquePrefix('bench-pass');
        const hits = new Queue('hits', { connection: redis, prefix });
        const events = new Queue('events', { connection: redis, prefix });
        await fill(hits, jobs);
        const started = performance.now();
        const cpu0 = process.cpuUsage();
        const worker = new Worker(
          'hits',
          async (job) => {
            await events.add('events', job.data, { jobId: String(job.id) });
          },
          { connection: redis, prefix, concurrency: 2 },
        );
        await drained(hits, jobs.length);
        passRates.push(totalHits / ((performance.now() - started) / 1000));
        passCpu.push(cpuUsPerHit(cpu0));
        await worker.close();
        await hits.obliterate({ force: true });
        await events.obliterate({ force: true });
        await hits.close();
        await events.close();
      }
      // ── the enricher, every step, fresh caches ──
      {
        const prefix = uniquePrefix('bench-enr');
        const config = parseConfig({
          DATABASE_URL: db.url,
          REDIS_URL,
          QUEUE_PREFIX: prefix,
          LOG_LEVEL: 'warn',
          ENRICHER_CONCURRENCY: '2',
        });
        const hits = new Queue('hits', { connection: redis, prefix });
        await fill(hits, jobs);
        network.clearCache();
        const device = createDeviceParser(5_000);
        const ipBefore = { ...network.stats };
        const started = performance.now();
        const cpu0 = process.cpuUsage();
        const handle = await startEnricher(config, { metricsPort: null, logger, network, device });
        startMs.push(performance.now() - started);
        await drained(hits, jobs.length);
        enrRates.push(totalHits / ((performance.now() - started) / 1000));
        enrCpu.push(cpuUsPerHit(cpu0));
        last = {
          phases: handle.phaseTotals(),
          steps: handle.stepTotals(),
          ua: { ...device.stats },
          ip: { hits: network.stats.hits - ipBefore.hits, misses: network.stats.misses - ipBefore.misses },
        };
        await handle.close();
        const events = new Queue('events', { connection: redis, prefix });
        // Bytes of the events jobs the enricher added (no writer runs here: they are all waiting).
        const sample = await events.getJobs(['wait'], 0, 49);
        eventsBytes = sample.reduce((s, j) => s + JSON.stringify(j.data).length, 0);
        eventsRows = sample.reduce((s, j) => s + (j.data as { rows: unknown[] }).rows.length, 0);
        await hits.obliterate({ force: true });
        await events.obliterate({ force: true });
        await hits.close();
        await events.close();
        const keys = await redis.keys(`${prefix}:*`);
        for (let i = 0; i < keys.length; i += 1000) await redis.del(...keys.slice(i, i + 1000));
      }
    }
  } finally {
    await redis.quit();
    await db.drop();
  }

  // ── cold per-field costs (no cache), so the slowest lookup is known ──
  const uas = (JSON.parse(readFileSync(INTOLI, 'utf8')) as { userAgent: string }[])
    .slice(0, 2_000)
    .map((u) => u.userAgent);
  const uncached = createDeviceParser(1);
  let t = performance.now();
  for (const ua of uas) uncached.parse(ua, {});
  const uaColdUs = ((performance.now() - t) * 1000) / uas.length;
  const r = mulberry32(7);
  const ips = Array.from({ length: 5_000 }, () => publicIp(r));
  const cold = createNetworkLookup({ logger, watchIntervalMs: 0, ipCacheSize: 1 });
  t = performance.now();
  for (const ip of ips) cold.lookup(ip);
  const ipColdUs = ((performance.now() - t) * 1000) / ips.length;
  cold.close();
  network.close();

  const pass = median(passRates);
  const enr = median(enrRates);
  const ratio = (s: { hits: number; misses: number }) => s.hits / Math.max(1, s.hits + s.misses);
  const figures: Figure[] = [
    {
      name: `pass-through worker hits→events (${totalHits} hits, 100/job)`,
      value: Math.round(pass),
      unit: 'hits/s',
      ratio: 1,
      baseline: '(baseline)',
    },
    {
      name: 'enricher, all steps, default data',
      value: Math.round(enr),
      unit: 'events/s',
      ratio: enr / pass,
      baseline: 'of pass-through',
    },
    {
      name: 'startEnricher() inside the timed enricher run',
      value: Math.round(median(startMs)),
      unit: 'ms',
    },
    { name: 'raw job bytes per hit (JSON)', value: Math.round(rawBytesPerHit), unit: 'B' },
    {
      name: 'events job bytes per row (JSON)',
      value: Math.round(eventsBytes / Math.max(1, eventsRows)),
      unit: 'B',
      ratio: eventsBytes / Math.max(1, eventsRows) / rawBytesPerHit,
      baseline: 'of raw',
    },
    {
      name: 'pass-through: Node CPU per hit (this process)',
      value: Number(median(passCpu).toFixed(2)),
      unit: 'µs/hit',
    },
    {
      name: 'enricher: Node CPU per hit (this process)',
      value: Number(median(enrCpu).toFixed(2)),
      unit: 'µs/hit',
      ratio: median(passCpu) / median(enrCpu),
      baseline: 'pass-through CPU ÷ enricher CPU',
    },
    { name: 'UA cache hit ratio', value: Number(ratio(last!.ua).toFixed(3)), unit: '' },
    { name: 'IP cache hit ratio', value: Number(ratio(last!.ip).toFixed(3)), unit: '' },
    ...last!.steps.map((s) => ({
      name: `step ${s.name} (mean, with caches)`,
      value: Number(((s.ms * 1000) / Math.max(1, s.count)).toFixed(2)),
      unit: 'µs/hit',
    })),
    ...(['enrichMs', 'dedupeMs', 'companiesMs', 'deadLettersMs', 'eventsAddMs', 'healthMs'] as const).map(
      (k) => ({
        name: `phase ${k.replace('Ms', '')} (per hit, incl. awaits)`,
        value: Number(((last!.phases[k] * 1000) / Math.max(1, last!.phases.hits)).toFixed(2)),
        unit: 'µs/hit',
      }),
    ),
    { name: 'UA parse, cold (ua-parser-js 1.0.41 + isbot)', value: Number(uaColdUs.toFixed(1)), unit: 'µs' },
    { name: 'IP lookup, cold (DB-IP city + ASN + lists)', value: Number(ipColdUs.toFixed(1)), unit: 'µs' },
    { name: 'start-up: load default data', value: Math.round(startupMs), unit: 'ms' },
    { name: 'start-up: RSS growth with default data', value: Math.round(rssMB), unit: 'MB' },
    { name: 'start-up: JS heap growth with default data', value: Math.round(heapMB), unit: 'MB' },
  ];
  await report('enricher', figures, {
    totalHits,
    runs,
    passRates,
    enrRates,
    passCpu,
    enrCpu,
    note: 'one Node process (JS on one core; Redis and PostgreSQL on the other); machine shared with other work: numbers are noisy',
  });
}
