import { HealthTally, receiptHour, type HealthOutcome, type Pool } from '@beacon/db';
import type { Logger } from '@beacon/observability';

/**
 * The collector's share of ingestion_health: hits received and rejected (by reason) per site and hour,
 * added in memory on the hot path and written every `flushMs` in one upsert. Only hits of a known site
 * are counted (an unknown site_id has no row to show them on; beacon_collector_rejected_total has them).
 */
export class CollectorHealth {
  private readonly tally = new HealthTally();
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly pool: Pool,
    flushMs: number,
    private readonly logger: Logger,
  ) {
    this.timer = setInterval(() => void this.flush(), flushMs);
    this.timer.unref();
  }

  add(siteId: string, outcome: HealthOutcome, reason = '', n = 1, at = Date.now()): void {
    this.tally.add(siteId, receiptHour(null, at), outcome, reason, n);
  }

  /** A request for a known site: `received` hits, of which `rejected` were refused for `reason`. */
  request(siteId: string, received: number, rejected: number, reason: string): void {
    this.add(siteId, 'received', '', received);
    this.add(siteId, 'rejected', reason, rejected);
  }

  async flush(): Promise<void> {
    await this.tally
      .flush(this.pool)
      .catch((err: unknown) =>
        this.logger.warn({ err }, 'writing ingestion health failed; kept for the next flush'),
      );
  }

  async close(): Promise<void> {
    clearInterval(this.timer);
    await this.flush();
  }
}
