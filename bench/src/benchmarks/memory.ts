import { report, type Figure } from '../report.js';
import { LOADS, metric, SERVICES, sleep, startPipeline, type Service } from '../pipeline.js';
import { rssBytes } from '../processes.js';
import { benchSettings, count } from '../settings.js';

/**
 * `pnpm bench memory`: each service's memory at a steady load, and whether it grows (a leak).
 * The four services run as processes (bench/src/pipeline.ts); tracker-like batches of 20 hits arrive at
 * BENCH_MEMORY_RATE hits/s (default 2,000: about half of what the pipeline sustains on this kind of
 * machine) for BENCH_MEMORY_SECONDS (default 600). Every 5 s each service's resident set (VmRSS) and
 * V8 heap in use (its beacon_nodejs_heap_size_used_bytes) are sampled, with the queues' depth (a
 * steady load keeps them flat).
 * The first minute is warm-up (JIT, pools, caches filling). After it, each minute's lowest sample is
 * kept (the heap between collections is a saw-tooth; its floor is what survives a collection) and
 * growth is the slope of a least-squares line through those floors, in MB per 10 minutes. The baseline
 * of the ratio is the same service's floor in the first steady minute (1.00x = no growth). The heap's
 * slope is the leak signal: RSS also moves with V8's heap sizing and malloc arenas, which need not
 * come back.
 */
const MB = 1024 * 1024;
type Kind = 'rss' | 'heap' | 'external';
const last = <T>(xs: T[]): T => xs[xs.length - 1]!;

interface Sample {
  t: number;
  rss: Record<Service, number>;
  heap: Record<Service, number>;
  /** Buffers and other memory outside V8's heap (beacon_nodejs_external_memory_bytes). */
  external: Record<Service, number>;
  hits: number;
  events: number;
}

/** Least-squares slope of y over t (units of y per second). */
function slope(points: { t: number; y: number }[]): number {
  const n = points.length;
  if (n < 2) return NaN;
  const mt = points.reduce((a, p) => a + p.t, 0) / n;
  const my = points.reduce((a, p) => a + p.y, 0) / n;
  let num = 0;
  let den = 0;
  for (const p of points) {
    num += (p.t - mt) * (p.y - my);
    den += (p.t - mt) ** 2;
  }
  return num / den;
}

export async function memoryBench(): Promise<void> {
  const { seconds, rate, connections } = benchSettings({
    seconds: count('BENCH_MEMORY_SECONDS', 600, 'how long the steady load runs', 120),
    rate: count('BENCH_MEMORY_RATE', 2_000, 'hits/s sent (batches of 20)'),
    connections: count('BENCH_CONNECTIONS', 50, 'concurrent connections'),
  });
  const load = LOADS[0]!; // batches of 20, as the tracker sends
  const pipeline = await startPipeline(connections);
  const warmup = 60;
  try {
    for (const s of SERVICES) await pipeline.start(s);
    const samples: Sample[] = [];
    const t0 = Date.now();
    let sampling = true;
    const sample = async (): Promise<Sample> => {
      const rss = {} as Record<Service, number>;
      const heap = {} as Record<Service, number>;
      const external = {} as Record<Service, number>;
      for (const s of SERVICES) {
        const p = pipeline.procs[s]!;
        rss[s] = await rssBytes(p.child.pid);
        heap[s] = await metric(p.metricsPort, 'beacon_nodejs_heap_size_used_bytes');
        external[s] = await metric(p.metricsPort, 'beacon_nodejs_external_memory_bytes');
      }
      return { t: (Date.now() - t0) / 1000, rss, heap, external, ...(await pipeline.depth()) };
    };
    const sampler = (async () => {
      while (sampling) {
        samples.push(await sample());
        console.log(
          `memory bench: ${Math.round(last(samples).t)} s, RSS MB ` +
            SERVICES.map((s) => `${s} ${Math.round(last(samples).rss[s] / MB)}`).join(', '),
        );
        await sleep(5_000);
      }
    })();
    const sent = await pipeline.cannon(load, seconds, Math.max(1, Math.round(rate / load.hitsPerRequest)));
    sampling = false;
    await sampler;
    samples.push(await sample());
    await pipeline.drain('after the steady load');

    const steady = samples.filter((x) => x.t >= warmup);
    const minutes = Math.max(1, Math.floor((last(samples).t - warmup) / 60));
    /** Per steady minute: its middle time and the lowest sample of `k` for service `s`. */
    const floors = (k: Kind, s: Service) =>
      Array.from({ length: minutes }, (_, m) => {
        const inMinute = steady.filter((x) => x.t >= warmup + m * 60 && x.t < warmup + (m + 1) * 60);
        return { t: warmup + m * 60 + 30, y: Math.min(...inMinute.map((x) => x[k][s])) };
      }).filter((p) => Number.isFinite(p.y));
    const figures: Figure[] = [];
    const per10min = (k: Kind, s: Service) => (slope(floors(k, s)) * 600) / MB;
    const first = (k: Kind, s: Service) => floors(k, s)[0]!.y;
    const end = (k: Kind, s: Service) => floors(k, s).at(-1)!.y;
    for (const s of SERVICES) {
      figures.push(
        {
          name: `${s}: RSS at steady load (last minute)`,
          value: Math.round(end('rss', s) / MB),
          unit: 'MB',
          ratio: end('rss', s) / first('rss', s),
          baseline: `vs ${Math.round(first('rss', s) / MB)} MB in the first steady minute`,
        },
        { name: `${s}: RSS growth`, value: Math.round(per10min('rss', s) * 10) / 10, unit: 'MB / 10 min' },
        {
          name: `${s}: heap floor at steady load (last minute)`,
          value: Math.round(end('heap', s) / MB),
          unit: 'MB',
          ratio: end('heap', s) / first('heap', s),
          baseline: `vs ${Math.round(first('heap', s) / MB)} MB in the first steady minute`,
        },
        {
          name: `${s}: heap floor growth`,
          value: Math.round(per10min('heap', s) * 10) / 10,
          unit: 'MB / 10 min',
        },
        {
          name: `${s}: external (Buffers) floor, last minute`,
          value: Math.round(end('external', s) / MB),
          unit: 'MB',
        },
        {
          name: `${s}: external floor growth`,
          value: Math.round(per10min('external', s) * 10) / 10,
          unit: 'MB / 10 min',
        },
      );
    }
    figures.push(
      {
        name: 'hits accepted/s',
        value: Math.round((sent['2xx'] * load.hitsPerRequest) / seconds),
        unit: 'hits/s',
      },
      {
        name: 'hits wait list, largest sample',
        value: Math.max(...samples.map((x) => x.hits)),
        unit: 'jobs',
      },
      {
        name: 'events wait list, largest sample',
        value: Math.max(...samples.map((x) => x.events)),
        unit: 'jobs',
      },
    );
    await report('memory', figures, {
      seconds,
      rate,
      warmup_s: warmup,
      non2xx: sent.non2xx,
      samples,
      note:
        'RSS from /proc/<pid>/status, heap from each service’s own metrics. Growth is the least-squares ' +
        'slope after warm-up; a heap that keeps rising across 10 minutes at a flat queue is a leak.',
    });
  } finally {
    await pipeline.close();
  }
}
