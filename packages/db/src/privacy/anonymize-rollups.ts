import type pg from 'pg';
import { anonymizeRollupMonth, monthsToAnonymize } from '../sql/privacy.js';
import { lockSiteExclusive } from '../sql/rollups.js';
import { inTransaction } from '../transaction.js';

export interface AnonymizedMonth {
  siteId: string;
  month: Date;
  sessionRows: number;
  nameRows: number;
}

/**
 * Aggregates past retention hold no key a person can be found by (docs/privacy-rights.md): each UTC
 * month of a site's rollups that lies wholly before `cutoff` is re-keyed once, in one transaction per
 * site and month, with a salt that is never stored. Run by the retention job with each agency's
 * cutoff; a dry run only lists the months. Idempotent (marked months are skipped).
 */
export async function anonymizeRollupsBefore(
  pool: pg.Pool,
  siteIds: readonly string[],
  cutoff: Date,
  dryRun = false,
): Promise<AnonymizedMonth[]> {
  if (siteIds.length === 0) return [];
  const { rows } = await pool.query<{ site_id: string; month: Date }>(monthsToAnonymize, [
    [...siteIds],
    cutoff,
  ]);
  const out: AnonymizedMonth[] = [];
  for (const m of rows) {
    if (dryRun) {
      out.push({ siteId: m.site_id, month: m.month, sessionRows: 0, nameRows: 0 });
      continue;
    }
    const r = await inTransaction(pool, async (c) => {
      // The site's writers wait (late rows for a month this old are rare); a rebuild cannot interleave.
      await c.query(lockSiteExclusive, [m.site_id]);
      return c.query<{ sessions: number; names: number; done: boolean }>(anonymizeRollupMonth, [
        m.site_id,
        m.month,
      ]);
    });
    if (r.rows[0]!.done)
      out.push({
        siteId: m.site_id,
        month: m.month,
        sessionRows: r.rows[0]!.sessions,
        nameRows: r.rows[0]!.names,
      });
  }
  return out;
}
