import { CountTally, type Pool } from '@beacon/db';
import type { Logger } from '@beacon/observability';
import type { AuthContext } from './auth/types.js';
import { addApiCalls } from './sql/usage.js';

/** How often the counts go to PostgreSQL; a crash loses at most this much of the count. */
export const API_CALLS_FLUSH_MS = 10_000;

/**
 * Authenticated API requests per agency, calendar month (UTC) and kind of caller, counted in memory
 * (the route table calls `count` after authenticating) and added to api_calls in one upsert per flush
 * (usage per client, issue 15): no write per request.
 */
export class ApiCallTally extends CountTally {
  count(auth: Pick<AuthContext, 'agencyId' | 'via'>, now = new Date()): void {
    this.addKey(`${auth.agencyId}\t${now.toISOString().slice(0, 7)}-01\t${auth.via}`, 1);
  }

  /** Writes and clears the counts; on failure they stay for the next flush and it throws. */
  flush(db: Pool): Promise<void> {
    return this.flushWith((counts) => {
      const cols: [string[], string[], string[], number[]] = [[], [], [], []];
      for (const [key, n] of counts) {
        const [agency, month, via] = key.split('\t') as [string, string, string];
        cols[0].push(agency);
        cols[1].push(month);
        cols[2].push(via);
        cols[3].push(n);
      }
      return db.query(addApiCalls, cols);
    });
  }

  /** Flushes every API_CALLS_FLUSH_MS (unref); answers the function that stops and flushes a last time. */
  start(db: Pool, logger: Logger): () => Promise<void> {
    const flush = () =>
      this.flush(db).catch((err: unknown) =>
        logger.warn({ err }, 'api call counts not written (kept for the next try)'),
      );
    const timer = setInterval(flush, API_CALLS_FLUSH_MS);
    timer.unref();
    return async () => {
      clearInterval(timer);
      await flush();
    };
  }
}
