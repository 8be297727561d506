import type { Job, Queue } from 'bullmq';
import { deadLetterSql, recordDeadLetters, type Pool } from '@beacon/db';
import { failedJobReason } from '@beacon/queue';
import { eventsJobId, stableUuid, type DeadHit } from './enrich.js';

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Stores hits in dead_events (stage 'enricher'), one row per hit id (the last one of an id wins), and
 * counts each hit dead-lettered for the first time in its site's ingestion health (recordDeadLetters).
 */
export async function writeDead(pool: Pool, dead: readonly DeadHit[]): Promise<void> {
  await recordDeadLetters(
    pool,
    'enricher',
    dead.map((d) => ({
      id: d.id,
      siteId: d.siteId,
      payload: JSON.stringify(d.payload),
      error: d.error.slice(0, 10_000),
    })),
  );
}

/**
 * Every hit of a raw job payload as a dead hit with `error`, in the shape enrichment gives a poison
 * hit ({request without hits, hit}); a payload that is not a raw job becomes one dead letter of the
 * whole job (id derived from the job id).
 */
export function deadHitsOfJob(payload: unknown, jobId: string, error: string): DeadHit[] {
  const requests = (payload as { requests?: unknown })?.requests;
  if (!Array.isArray(requests))
    return [{ id: stableUuid(`job/${jobId}`), siteId: null, payload: { job: payload ?? null }, error }];
  const out: DeadHit[] = [];
  requests.forEach((rawRequest: unknown, ri) => {
    const { hits, ...request } = (rawRequest ?? {}) as Record<string, unknown>;
    const siteId = typeof request.site_id === 'string' ? request.site_id.slice(0, 50) : null;
    const list = Array.isArray(hits) && hits.length ? (hits as unknown[]) : [null];
    list.forEach((hit, hi) => {
      const id = (hit as { id?: unknown } | null)?.id;
      out.push({
        id: typeof id === 'string' && UUID_RE.test(id) ? id : stableUuid(`${jobId}/${ri}/${hi}`),
        siteId,
        payload: { request, hit },
        error,
      });
    });
  });
  return out;
}

/**
 * The dead letters of a raw job that failed for good (FailedJobSweeper's `record`). Hits already on
 * their way are left out: when the job's events job still exists the writer has them (and dead-letters
 * them itself should that job fail for good); hits whose row is in `events` were stored.
 */
export async function recordFailedRawJob(pool: Pool, eventsQueue: Queue, job: Job): Promise<number> {
  const jobId = String(job.id);
  if (await eventsQueue.getJob(eventsJobId(jobId))) return 0;
  const dead = deadHitsOfJob(job.data, jobId, failedJobReason(job));
  const { rows } = await pool.query<{ id: string }>(deadLetterSql.storedEventIds, [dead.map((d) => d.id)]);
  const stored = new Set(rows.map((r) => r.id));
  const left = dead.filter((d) => !stored.has(d.id));
  await writeDead(pool, left);
  return left.length;
}
