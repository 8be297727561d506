import { UnrecoverableError, type Job, type Queue } from 'bullmq';
import { receiptHour, writeJobHealthCounts, type Pool } from '@beacon/db';
import type { Logger } from '@beacon/observability';
import { addEventsJob, type RedisClient } from '@beacon/queue';
import type { EnrichedJob } from '@beacon/schema';
import type { AttributionRuntime, CompanyRowLike } from './attribution/runtime.js';
import type { CookielessIds } from './cookieless.js';
import { writeDead } from './dead-letters.js';
import { claimEventIds, claimsOf, type EventIdClaim } from './dedupe.js';
import { enrichHits, eventsJobId, InvalidJobError, toEnrichedJob, type HitsOutcome } from './enrich.js';
import type { JobStats } from './job-stats.js';
import type { DropReason, EventRow, Step } from './pipeline.js';
import type { SiteCache } from './sites.js';

/**
 * One hit in 8 has its steps timed for beacon_enricher_step_duration_seconds: enough samples for the
 * histogram at any real rate, for an eighth of the timing cost.
 */
const STEP_TIMING_SAMPLE = 8;

export interface JobHandlerDeps {
  /** Client-retry dedupe: claims under `dedupePrefix` (the hits queue's slot), kept `dedupeTtlSeconds`. */
  redis: RedisClient;
  dedupePrefix: string;
  dedupeTtlSeconds: number;
  cookieless: CookielessIds;
  sites: SiteCache;
  steps: readonly Step[];
  attribution: AttributionRuntime;
  pool: Pool;
  eventsQueue: Queue<EnrichedJob>;
  stats: JobStats;
  logger: Logger;
}

export interface JobResult {
  rows: number;
  dropped: number;
  dead: number;
}

/**
 * The enricher's job handler (the `hits` worker's processor): raw job → steps → client-retry dedupe →
 * cookieless sessions → company facts → dead letters and one events job. Throwing hands the job back to
 * BullMQ for a retry; its events job id comes from the raw job id, so a retry never doubles rows.
 */
export function createJobHandler(d: JobHandlerDeps): (job: Job) => Promise<JobResult> {
  const phases = d.stats.phases;
  return async function processJob(job) {
    const startedAt = performance.now();
    const jobId = String(job.id);
    // Client-retry dedupe needs only (site_id, event_id, hit id), all in the raw payload: the pipelined
    // claims go to Redis first and run there while this thread enriches the job.
    const claims = claimsOf(job.data);
    const claimed = claimEventIds(d.redis, d.dedupePrefix, d.dedupeTtlSeconds, claims);
    claimed.catch(() => undefined); // awaited below; never an unhandled rejection if enrichment throws first
    const out = await enrich(d, job.data, jobId);
    phases.enrichMs += performance.now() - startedAt;
    let t = performance.now();
    const keep = await claimed;
    phases.dedupeMs += performance.now() - t;
    const { rows, dropped } = dropDuplicates(out, claims, keep);
    await d.cookieless.assignSessions(rows);
    await forward(d, jobId, out, rows);
    phases.jobs++;
    phases.hits += out.kept.length + out.dead.length;
    // ingestion_health drops once the job's effects are durable and before its ack, keyed by the job id:
    // a failed attempt counts nothing (its retry will), and a retry of a job whose enricher died after
    // this statement but before the ack counts nothing again. (Dead hits counted as writeDead records them.)
    t = performance.now();
    await writeJobHealthCounts(d.pool, jobId, out.health.take());
    phases.healthMs += performance.now() - t;
    if (out.dead.length)
      d.logger.warn({ jobId, dead: out.dead.length, first: out.dead[0]!.error }, 'hits sent to dead_events');
    const droppedTotal = d.stats.jobDone({ rows: rows.length, dropped, dead: out.dead.length, startedAt });
    return { rows: rows.length, dropped: droppedTotal, dead: out.dead.length };
  };
}

/** The steps over the job's hits; a payload that is not a raw job fails without retry. */
async function enrich(d: JobHandlerDeps, data: unknown, jobId: string): Promise<HitsOutcome> {
  try {
    await d.cookieless.refresh();
    return await enrichHits(data, jobId, d.sites, d.steps, d.stats.onStep, STEP_TIMING_SAMPLE);
  } catch (err) {
    if (err instanceof InvalidJobError) {
      d.logger.error({ jobId, err }, 'not a raw job: failed without retry');
      throw new UnrecoverableError(err.message);
    }
    throw err;
  }
}

/** The kept rows less the client retries of events another hit claimed first (counted as 'duplicate'). */
function dropDuplicates(
  out: HitsOutcome,
  claims: readonly EventIdClaim[],
  keep: readonly boolean[],
): { rows: EventRow[]; dropped: Partial<Record<DropReason, number>> } {
  const dropped: Partial<Record<DropReason, number>> = { ...out.dropped };
  const lost = new Set<string>();
  claims.forEach((cl, i) => {
    if (!keep[i]) lost.add(cl.hitId);
  });
  const rows: EventRow[] = [];
  let duplicates = 0;
  for (const k of out.kept) {
    if (k.eventId && lost.has(k.row.id as string)) {
      duplicates++;
      out.health.add(k.siteId, receiptHour(k.row.id), 'dropped', 'duplicate');
    } else rows.push(k.row);
  }
  if (duplicates) dropped.duplicate = (dropped.duplicate ?? 0) + duplicates;
  return { rows, dropped };
}

/** Sends the job's results on: company facts for the rows, the dead hits, the events job. */
async function forward(d: JobHandlerDeps, jobId: string, out: HitsOutcome, rows: EventRow[]): Promise<void> {
  const phases = d.stats.phases;
  let t = performance.now();
  // The firms for the writer (neutral, or owned by the agency whose ranges named them), then
  // company_industry/employee_count/revenue from the site's agency's own facts and the neutral table.
  const agencyBySite = new Map(out.kept.map((k) => [k.siteId, k.agencyId]));
  const companies = rows.length
    ? await d.attribution.completeJob(rows as unknown as CompanyRowLike[], agencyBySite)
    : [];
  phases.companiesMs += performance.now() - t;
  t = performance.now();
  if (out.dead.length) await writeDead(d.pool, out.dead);
  phases.deadLettersMs += performance.now() - t;
  t = performance.now();
  if (rows.length) await addEventsJob(d.eventsQueue, toEnrichedJob(rows, companies), eventsJobId(jobId));
  phases.eventsAddMs += performance.now() - t;
}
