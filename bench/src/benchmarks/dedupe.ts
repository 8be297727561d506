import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';

import { claimEventIds } from '@beacon/enricher';
import { createRedis, type Redis } from '@beacon/queue';
import { median, report, type Figure } from '../report.js';
import { freePort } from '../processes.js';
import { benchSettings, count, runs as runsOf } from '../settings.js';

type Claim = { siteId: string; eventId: string; hitId: string };

/**
 * The enricher's client-retry dedupe before the script: one pipelined `SET key <hit id> NX GET EX ttl`
 * per hit (the baseline of this benchmark, same keys, values and answers).
 */
async function pipelinedSets(redis: Redis, prefix: string, ttl: number, claims: readonly Claim[]) {
  const pipeline = redis.pipeline();
  for (const c of claims)
    pipeline.call(
      'SET',
      `${prefix}:dedupe:${c.siteId}:${c.eventId}`,
      c.hitId,
      'NX',
      'GET',
      'EX',
      String(ttl),
    );
  const results = (await pipeline.exec()) ?? [];
  return claims.map((c, i) => {
    const [err, value] = results[i]!;
    if (err) throw err;
    return value === null || value === c.hitId;
  });
}

/** used_cpu_user + used_cpu_sys of the private server, seconds. */
async function redisCpu(redis: Redis): Promise<number> {
  const info = await redis.info('cpu');
  const get = (k: string) => Number(new RegExp(`^${k}:([\\d.]+)`, 'm').exec(info)?.[1]);
  return get('used_cpu_user') + get('used_cpu_sys');
}

/**
 * `pnpm bench dedupe`: the client-retry dedupe claims of the enricher, per hit, on a PRIVATE
 * redis-server (no persistence, so its CPU is the claims' alone): the pipelined SET per hit (baseline)
 * against one script call per job (what the enricher does). Jobs of 100 hits, each with an event_id
 * (the tracker always sends one), two jobs in flight as with ENRICHER_CONCURRENCY=2.
 * Figures: hits/s, Node CPU µs/hit (this process: the enricher's thread pays it), Redis CPU µs/hit.
 */
export async function dedupeBench(): Promise<void> {
  const { jobs, runs } = benchSettings({ jobs: count('BENCH_DEDUPE_JOBS', 2_000, 'jobs'), runs: runsOf(3) });
  const port = await freePort();
  const server = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
    { stdio: 'ignore' },
  );
  const redis = createRedis(`redis://127.0.0.1:${port}`, 'worker');
  const results: Record<string, { rate: number[]; nodeUs: number[]; redisUs: number[] }> = {};
  try {
    for (let i = 0; ; i++) {
      try {
        await redis.ping();
        break;
      } catch (err) {
        if (i > 100) throw err;
        await new Promise((r) => setTimeout(r, 50));
      }
    }
    const variants: [string, typeof pipelinedSets][] = [
      ['pipelined SET per hit', pipelinedSets],
      ['one script per job', claimEventIds],
    ];
    for (let run = 0; run < runs; run++)
      for (const [name, fn] of variants) {
        await redis.flushall();
        const prefix = `b${run}`;
        const make = () =>
          Array.from({ length: 100 }, () => ({
            siteId: 'site_1',
            eventId: randomUUID(),
            hitId: randomUUID(),
          }));
        const all = Array.from({ length: jobs }, make);
        await fn(redis, prefix, 86_400, make()); // warm-up (loads the script)
        const cpu0 = process.cpuUsage();
        const r0 = await redisCpu(redis);
        const t0 = performance.now();
        let next = 0;
        const lane = async () => {
          while (next < all.length) {
            const claims = all[next++]!;
            const keep = await fn(redis, prefix, 86_400, claims);
            if (!keep.every(Boolean)) throw new Error('a fresh event_id was not kept');
          }
        };
        await Promise.all([lane(), lane()]);
        const seconds = (performance.now() - t0) / 1000;
        const cpu = process.cpuUsage(cpu0);
        const redisSeconds = (await redisCpu(redis)) - r0;
        const hits = jobs * 100;
        const entry = (results[name] ??= { rate: [], nodeUs: [], redisUs: [] });
        entry.rate.push(hits / seconds);
        entry.nodeUs.push((cpu.user + cpu.system) / hits);
        entry.redisUs.push((redisSeconds * 1e6) / hits);
      }
  } finally {
    await redis.flushall().catch(() => undefined);
    redis.disconnect();
    server.kill('SIGTERM');
  }
  const base = results['pipelined SET per hit']!;
  const figures: Figure[] = [];
  for (const [name, r] of Object.entries(results)) {
    figures.push({
      name: `${name}: claims`,
      value: Math.round(median(r.rate)),
      unit: 'hits/s',
      ratio: median(r.rate) / median(base.rate),
      baseline: 'of pipelined SET',
    });
    figures.push({ name: `${name}: Node CPU`, value: Number(median(r.nodeUs).toFixed(2)), unit: 'µs/hit' });
    figures.push({ name: `${name}: Redis CPU`, value: Number(median(r.redisUs).toFixed(2)), unit: 'µs/hit' });
  }
  await report('dedupe', figures, {
    jobs,
    runs,
    results,
    note: 'private redis-server; machine shared with other work: numbers are noisy (medians of runs)',
  });
}
