import { createPool } from '@beacon/db';
import { connectRedis } from '@beacon/queue';
import type { ApiDeps } from '../deps.js';
import * as sql from '../sql/company-alerts.js';
import { AlertDelivery } from './delivery.js';
import { dispatchOnce, type Delivery } from './dispatcher.js';
import { recomputeDecayed, type DecayResult } from './score-decay.js';

/** A pending delivery this old has lost its job (a crash between COMMIT and enqueue): queue it again. */
const STALE_PENDING_S = 30;
const SWEEP_MS = 15_000;
/** The first lead score decay pass of a process, this long after it started. */
const FIRST_DECAY_MS = 60_000;

export interface Alerting {
  enqueue(deliveries: readonly Delivery[]): Promise<void>;
  /** One dispatcher pass now (tests, benchmarks); answers the outbox rows it handled. */
  dispatch(): Promise<number>;
  /** Queues pending deliveries older than `olderThanS` again (jobs lost between COMMIT and enqueue). */
  sweep(olderThanS?: number): Promise<number>;
  /** One lead score decay pass now (docs/lead-score.md); also on a timer (LEAD_SCORE_DECAY_TICK_S). */
  decay(now?: Date): Promise<DecayResult>;
  close(): Promise<void>;
}

/**
 * Company alerts in an API process (docs/company-alerts.md): the dispatcher on a short timer
 * (ALERTS_DISPATCH_TICK_MS), the delivery worker of the `company-alerts` queue
 * (ALERTS_DELIVERY_CONCURRENCY), a sweep that re-queues deliveries whose job was lost, and the lead
 * score decay recompute (LEAD_SCORE_DECAY_TICK_S, docs/lead-score.md). Every replica may run them all:
 * claims are SKIP LOCKED, alerts unique per rule, company and window, delivery jobs keyed by delivery
 * id. Started only where API_BACKGROUND_JOBS is on.
 */
export function startAlerting(d: ApiDeps): Alerting {
  const c = d.config.alerts;
  const metrics = d.metrics.alerts;
  const producer = connectRedis(d.config.core, 'producer');
  const workerRedis = connectRedis(d.config.core, 'worker');
  for (const r of [producer, workerRedis])
    r.on('error', (err) => d.logger.debug({ err }, 'alerts redis error'));
  // Its own small pool (application_name beacon-api-alerts): alert work never takes the connections of
  // dashboard requests, and shows apart in pg_stat_activity.
  const pool = createPool({
    databaseUrl: d.config.core.databaseUrl,
    applicationName: 'beacon-api-alerts',
    max: 2 + Math.min(d.config.alerts.deliveryConcurrency, 8),
    statementTimeoutMs: d.config.core.databaseStatementTimeoutMs,
    logger: d.logger,
  });
  const delivery = new AlertDelivery({ ...d, pool, metrics }, producer);
  delivery.start(workerRedis);
  const deps = { pool, logger: d.logger, metrics, dashboardUrl: d.config.email.dashboardPublicUrl };

  let running: Promise<number> | null = null;
  const dispatch = (): Promise<number> =>
    (running ??= (async () => {
      let handled = 0;
      try {
        for (;;) {
          // Each site's deliveries are queued as soon as its transaction has committed.
          const r = await dispatchOnce(deps, new Date(), (x) => delivery.enqueue(x));
          handled += r.claimed;
          if (r.claimed === 0) return handled;
        }
      } finally {
        running = null;
      }
    })());
  const tick =
    c.dispatchTickMs > 0
      ? setInterval(
          () => void dispatch().catch((err: unknown) => d.logger.error({ err }, 'alert dispatch failed')),
          c.dispatchTickMs,
        )
      : null;
  const sweepOnce = async (olderThanS = STALE_PENDING_S): Promise<number> => {
    const { rows } = await pool.query<Delivery>(sql.stalePending, [olderThanS]);
    await delivery.enqueue(rows);
    return rows.length;
  };
  const sweep = setInterval(() => {
    sweepOnce().catch((err: unknown) => d.logger.warn({ err }, 'alert delivery sweep failed'));
  }, SWEEP_MS);
  let decaying: Promise<DecayResult> | null = null;
  const decay = (now?: Date): Promise<DecayResult> =>
    (decaying ??= recomputeDecayed(pool, now).finally(() => (decaying = null)));
  const decayPass = () => {
    decay()
      .then((r) => r.rescored + r.dropped > 0 && d.logger.info(r, 'lead scores recomputed for decay'))
      .catch((err: unknown) => d.logger.warn({ err }, 'lead score decay pass failed'));
  };
  const decayTimer = c.scoreDecayTickS > 0 ? setInterval(decayPass, c.scoreDecayTickS * 1000) : null;
  // Also once soon after start: replicas restarted more often than the tick still run it.
  const firstDecay =
    c.scoreDecayTickS > 0 ? setTimeout(decayPass, Math.min(FIRST_DECAY_MS, c.scoreDecayTickS * 1000)) : null;
  for (const t of [tick, sweep, decayTimer, firstDecay]) t?.unref();
  return {
    enqueue: (x) => delivery.enqueue(x),
    dispatch,
    sweep: sweepOnce,
    decay,
    async close() {
      for (const t of [tick, sweep, decayTimer, firstDecay]) if (t) clearInterval(t);
      await running?.catch(() => undefined);
      await decaying?.catch(() => undefined);
      await delivery.close();
      producer.disconnect();
      workerRedis.disconnect();
      await pool.end().catch(() => undefined);
    },
  };
}
