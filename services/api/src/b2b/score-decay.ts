import { inTransaction, type Pool } from '@beacon/db';
import * as sql from '../sql/lead-scores.js';
import { RECENCY_DAYS, SCORE_WINDOW_DAYS } from './score.js';
import { companyOf, loadSites, scoreCompany } from './scoring.js';

/** A score is looked at again this long after its computation (recency moves 0.2 points a day). */
const DUE_AFTER_MS = 86_400_000;
/** Scores one transaction recomputes (one site), and sites one look lists. */
const BATCH = 100;
/** Batches of one pass at most; what is left waits for the next pass. */
const MAX_BATCHES = 50;

export interface DecayResult {
  rescored: number;
  /** Scores removed: the company's events are erased, or the agency marked it "not a company". */
  dropped: number;
}

/**
 * Recomputes the lead scores that time has changed (docs/lead-score.md): a company that stops
 * visiting keeps a score computed when it last came, but its recency part decays to 0 over 30 days
 * and its events leave the 90-day window. One pass: the sites with due scores (a plain read), then
 * per site one transaction that claims up to BATCH due scores (FOR UPDATE SKIP LOCKED, one site per
 * statement as Citus requires), recomputes them from the stored events and stores them with the day's
 * history row, as the dispatcher does. A recomputed score is no longer due, and a claimed one is
 * skipped by every other replica, so replicas running at once never write the same score twice.
 * No alert fires here: alert rules describe a visit, and a recompute without one only lowers scores.
 */
export async function recomputeDecayed(
  pool: Pool,
  now = new Date(),
  maxBatches = MAX_BATCHES,
): Promise<DecayResult> {
  const params = [now, new Date(now.getTime() - DUE_AFTER_MS), RECENCY_DAYS, SCORE_WINDOW_DAYS, BATCH];
  const total: DecayResult = { rescored: 0, dropped: 0 };
  let batches = 0;
  while (batches < maxBatches) {
    const sites = (await pool.query<{ site_id: string }>(sql.decaySites, params)).rows;
    let done = 0;
    for (const { site_id } of sites.slice(0, maxBatches - batches)) {
      batches++;
      const r = await recomputeSite(pool, site_id, params, now);
      total.rescored += r.rescored;
      total.dropped += r.dropped;
      done += r.rescored + r.dropped;
    }
    if (done === 0) break; // nothing due, or every due score is another replica's right now
  }
  return total;
}

async function recomputeSite(pool: Pool, siteId: string, params: unknown[], now: Date): Promise<DecayResult> {
  return inTransaction(pool, async (client) => {
    const out: DecayResult = { rescored: 0, dropped: 0 };
    const due = (
      await client.query<{ domain: string; first_seen: Date; last_seen: Date }>(sql.claimDecayed, [
        ...params,
        siteId,
      ])
    ).rows;
    const ctx = due.length ? (await loadSites(client, [siteId])).get(siteId) : undefined;
    for (const row of ctx ? due : []) {
      const company = await companyOf(client, ctx!.site.agency_id, row.domain);
      const target = { site_id: siteId, domain: row.domain, activityFrom: now, stored: row };
      if (company && (await scoreCompany(client, ctx!, target, company, now))) out.rescored++;
      else {
        await client.query(sql.dropScore, [siteId, row.domain]);
        out.dropped++;
      }
    }
    return out;
  });
}
