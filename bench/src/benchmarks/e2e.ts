import { randomBytes } from 'node:crypto';
import { percentile, report, type Figure } from '../report.js';
import { LOADS, metric, SERVICES, SITE, sleep, startPipeline, UA } from '../pipeline.js';
import { benchSettings, count } from '../settings.js';

/**
 * `pnpm bench e2e`: the whole pipeline as separate processes (bench/src/pipeline.ts).
 * For each load (tracker-like batches of 20 hits per request; one hit per request):
 *   1. collector alone (no enricher/writer running): hits/s it accepts; the baseline of the ratios;
 *   2. full load for BENCH_E2E_SECONDS (default 60) with the whole pipeline: hits accepted/s, rows
 *      written/s (the writer's beacon_writer_rows_total), hits/events wait-list depth sampled every
 *      second (growing = that stage cannot keep up), CPU seconds per stage (/proc/<pid>/stat of each
 *      child, the redis-server and the PostgreSQL backends of the database), the limiting stage;
 *   3. half of the sustained rate for half the time, with freshness probes: a hit every 50 ms on its
 *      own, its 202 time remembered, polled in events by its client_id until queryable: p50/p95.
 * Env: BENCH_E2E_SECONDS, BENCH_CONNECTIONS (default 50).
 */
export async function e2eBench(): Promise<void> {
  const { seconds, connections } = benchSettings({
    seconds: count('BENCH_E2E_SECONDS', 60, 'load duration'),
    connections: count('BENCH_CONNECTIONS', 50, 'concurrent connections'),
  });
  const pipeline = await startPipeline(connections);
  const { db, procs, start, stop, depth, drain, cpu, cannon } = pipeline;
  const figures: Figure[] = [];
  const raw: Record<string, unknown> = {};

  try {
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
          const client = `probe${randomBytes(8).toString('hex')}`;
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
    await pipeline.close();
  }
}
