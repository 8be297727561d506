import type { DeviceParser } from './device.js';
import type { EnricherMetrics } from '@beacon/observability';
import type { NetworkLookup } from './network/lookup.js';
import type { DropReason, Step } from './pipeline.js';
import type { SiteCache } from './sites.js';

/** Cumulative time of the per-job phases around the steps (benchmark figures). */
export interface PhaseTotals {
  jobs: number;
  hits: number;
  enrichMs: number;
  dedupeMs: number;
  companiesMs: number;
  deadLettersMs: number;
  eventsAddMs: number;
  /** The job's ingestion_health counts (one statement per job with drops or dead letters). */
  healthMs: number;
}

/** What one job came to, once its effects are durable. */
export interface JobOutcome {
  rows: number;
  dropped: Partial<Record<DropReason, number>>;
  dead: number;
  /** performance.now() when the job began. */
  startedAt: number;
}

type CacheName = 'ua' | 'ip' | 'site';

/**
 * The enricher's metrics observer: step timings, cache hit/miss deltas, per-phase totals and each
 * job's outcome, fed from the job handler and turned into prom-client series and benchmark figures.
 */
export class JobStats {
  readonly phases: PhaseTotals = {
    jobs: 0,
    hits: 0,
    enrichMs: 0,
    dedupeMs: 0,
    companiesMs: 0,
    deadLettersMs: 0,
    eventsAddMs: 0,
    healthMs: 0,
  };
  private readonly stepChildren;
  private readonly stepMs: Float64Array;
  private readonly stepCount: Float64Array;
  /** Deltas from now on (a shared device parser or network lookup may have counted before this worker). */
  private readonly last: Record<CacheName, { hits: number; misses: number }>;
  private readonly caches: readonly (readonly [CacheName, { hits: number; misses: number }])[];

  constructor(
    private readonly metrics: EnricherMetrics,
    private readonly steps: readonly Step[],
    sources: { device: DeviceParser; network: NetworkLookup; sites: SiteCache },
  ) {
    this.stepChildren = steps.map((s) => metrics.stepDuration.labels(s.name));
    this.stepMs = new Float64Array(steps.length);
    this.stepCount = new Float64Array(steps.length);
    this.caches = [
      ['ua', sources.device.stats],
      ['ip', sources.network.stats],
      ['site', sources.sites.stats],
    ];
    this.last = {
      ua: { ...sources.device.stats },
      ip: { ...sources.network.stats },
      site: { hits: 0, misses: 0 },
    };
  }

  /** The steps' timing callback (sampled hits only: enrichHits' `timeEvery`). */
  readonly onStep = (i: number, ms: number): void => {
    this.stepMs[i]! += ms;
    this.stepCount[i]! += 1;
    this.stepChildren[i]!.observe(ms / 1000);
  };

  stepTotals(): { name: string; ms: number; count: number }[] {
    return this.steps.map((s, i) => ({ name: s.name, ms: this.stepMs[i]!, count: this.stepCount[i]! }));
  }

  /**
   * Counts a job whose effects are durable (a failed attempt counts nothing; its retry will); answers
   * how many hits it dropped.
   */
  jobDone(o: JobOutcome): number {
    const m = this.metrics;
    let droppedTotal = 0;
    for (const [reason, n] of Object.entries(o.dropped)) {
      m.dropped.labels(reason).inc(n);
      droppedTotal += n;
    }
    if (o.rows) m.events.labels('enriched').inc(o.rows);
    if (droppedTotal) m.events.labels('dropped').inc(droppedTotal);
    if (o.dead) m.events.labels('dead').inc(o.dead);
    this.flushCacheStats();
    m.jobDuration.observe((performance.now() - o.startedAt) / 1000);
    return droppedTotal;
  }

  private flushCacheStats(): void {
    for (const [name, s] of this.caches) {
      const l = this.last[name];
      if (s.hits > l.hits) this.metrics.cache.labels(name, 'hit').inc(s.hits - l.hits);
      if (s.misses > l.misses) this.metrics.cache.labels(name, 'miss').inc(s.misses - l.misses);
      l.hits = s.hits;
      l.misses = s.misses;
    }
  }
}
