// Writes the demo history (demo/history.ts) exactly as the pipeline would: each raw job goes through
// the enricher's own steps (device, bundled DB-IP geo and ASN, referrer and channel, campaign, the
// agency's company ranges, engagement score) and its company completion, is encoded as the events job
// the enricher queues, decoded as the writer decodes it, and stored by the writer's storeBatch
// (events, sessions, companies and rollups in one transaction). Only the queues are skipped.
import type { Config } from '@beacon/config';
import { companiesSql, ensurePartitions, statisticsSql, type Pool } from '@beacon/db';
import type { CompanyRowLike } from '@beacon/enricher';
import type { Logger } from '@beacon/observability';
import type { RawRequest } from '@beacon/schema';
import { storeRanges, type RangeRow } from '../commands/companies.js';
import * as demoSql from '../sql/demo.js';
import { DEFAULT_HISTORY, DEMO_COMPANIES, generateHistory, type HistoryOptions } from './history.js';

export interface SeedReport {
  /** False when the site already had history (nothing written). */
  seeded: boolean;
  requests: number;
  hits: number;
  inserted: number;
  dropped: number;
  dead: number;
  companyRanges: number;
  ms: number;
}

export interface SeedOptions extends Partial<Omit<HistoryOptions, 'siteId'>> {
  agencyId: string;
  siteId: string;
  origin: string;
  log: Logger;
}

/** Raw requests per job: about a collector micro-batch. */
const JOB_REQUESTS = 200;
// pg_advisory_lock key: 'bhis'.
const HISTORY_LOCK_KEY = 0x6268_6973;

/**
 * Gives the demo site its history unless it already has some (events older than a week, which no
 * click on the demo page can make): running it again changes nothing. Also loads the demo agency's
 * company ranges when it has none, so company visits are named.
 */
export async function seedDemoHistory(pool: Pool, config: Config, o: SeedOptions): Promise<SeedReport> {
  const started = Date.now();
  const report: SeedReport = {
    seeded: false,
    requests: 0,
    hits: 0,
    inserted: 0,
    dropped: 0,
    dead: 0,
    companyRanges: 0,
    ms: 0,
  };
  const lock = await pool.connect();
  try {
    await lock.query(demoSql.sessionLock, [HISTORY_LOCK_KEY]);
    if ((await pool.query(demoSql.hasHistory, [o.siteId])).rows[0]?.has) {
      report.ms = Date.now() - started;
      return report;
    }
    report.companyRanges = await ensureCompanyRanges(pool, o.agencyId);
    const now = o.now ?? new Date();
    const days = o.days ?? DEFAULT_HISTORY.days;
    await ensurePartitions(pool, { monthsAhead: 2, now: new Date(now.getTime() - (days + 1) * 86_400_000) });
    const requests = generateHistory({
      siteId: o.siteId,
      origin: o.origin,
      days,
      sessionsPerDay: o.sessionsPerDay ?? DEFAULT_HISTORY.sessionsPerDay,
      now,
      seed: o.seed ?? DEFAULT_HISTORY.seed,
    });
    report.requests = requests.length;

    await storeThroughPipeline(pool, config, requests, o, report);
    // The dashboards read these tables at once: not with the planner's picture of them empty.
    await pool.query(statisticsSql.analyzeReadTables);
    report.seeded = true;
    report.ms = Date.now() - started;
    return report;
  } finally {
    await lock.query(demoSql.sessionUnlock, [HISTORY_LOCK_KEY]).catch(() => undefined);
    lock.release();
  }
}

/**
 * Each job of raw requests through the enricher's steps and company completion, encoded and decoded as
 * the events job travels, then stored by the writer's storeBatch; counts go into `report`.
 */
async function storeThroughPipeline(
  pool: Pool,
  config: Config,
  requests: RawRequest[],
  o: SeedOptions,
  report: SeedReport,
): Promise<void> {
  // Loaded here, not at the top (a literal import tsc checks): every other command (and `beacon
  // --help`) stays free of the enricher's data libraries, as serve/services.ts explains.
  const {
    buildSteps,
    createDeviceParser,
    createNetworkLookup,
    enrichHits,
    networkFiles,
    SiteCache,
    startAttribution,
    toEnrichedJob,
  } = await import('@beacon/enricher');
  const { parseEventsJob, storeBatch } = await import('@beacon/writer');
  const e = config.enricher;
  // The enricher's own files and caches, without watching them (a one-off run).
  const network = createNetworkLookup({ ...networkFiles(e), watchIntervalMs: 0, logger: o.log });
  const attribution = await startAttribution(config.attribution, pool, o.log, undefined, {
    watchIntervalMs: 0,
  });
  try {
    const steps = buildSteps({
      device: createDeviceParser(e.uaCacheSize),
      network,
      attribution: attribution.deps,
    });
    const sites = new SiteCache(pool, 60_000);
    for (let i = 0; i < requests.length; i += JOB_REQUESTS) {
      const job = { type: 'raw', v: 1, requests: requests.slice(i, i + JOB_REQUESTS) };
      const jobId = `demo-${o.siteId}-${i / JOB_REQUESTS}`;
      const out = await enrichHits(job, jobId, sites, steps);
      report.hits += job.requests.reduce((n, r) => n + r.hits.length, 0);
      report.dead += out.dead.length;
      report.dropped += Object.values(out.dropped).reduce((a, b) => a + (b ?? 0), 0);
      const rows = out.kept.map((k) => k.row);
      if (rows.length === 0) continue;
      const companies = await attribution.completeJob(rows as unknown as CompanyRowLike[]);
      // The events job as it travels through Redis, read back as the writer reads it.
      const parsed = parseEventsJob(JSON.parse(JSON.stringify(toEnrichedJob(rows, companies))));
      if (!parsed.success) throw parsed.error;
      // History is not traffic: the site's ingestion health counts only hits the collector received.
      const stored = await storeBatch(pool, parsed.data.rows, parsed.data.companies ?? [], {
        mayHoldStored: true,
        health: false,
        rollups: config.rollups.write,
      });
      report.inserted += stored.inserted;
      report.dead += stored.dead.length;
    }
  } finally {
    attribution.close();
    network.close();
  }
}

/** The demo agency's company ranges, loaded when it has none (an agency's own list is left alone). */
async function ensureCompanyRanges(pool: Pool, agencyId: string): Promise<number> {
  const { rows } = await pool.query<{ count: string }>(companiesSql.countAgencyRanges, [agencyId]);
  if (Number(rows[0]?.count ?? 0) > 0) return 0;
  const ranges: RangeRow[] = DEMO_COMPANIES.map((c, i) => {
    const prefix = c.range.split('/')[0]!.split('.').slice(0, 3).join('.');
    return {
      line: i + 1,
      start: `${prefix}.0`,
      end: `${prefix}.255`,
      name: c.name,
      domain: c.domain,
      industry: c.industry,
      employeeCount: c.employees,
      revenue: null,
    };
  });
  // As `beacon companies import` stores them: the agency's own ranges and facts, seen only by its sites.
  await storeRanges(pool, agencyId, ranges, false);
  return ranges.length;
}
