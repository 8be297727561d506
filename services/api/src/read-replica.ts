import type { Pool } from '@beacon/db';
import type { Logger } from '@beacon/observability';
import { Gauge, type Registry } from 'prom-client';
import * as sql from './sql/replica.js';

/** `X/Y` (pg_lsn as text) as one number of bytes. */
export function parseLsn(lsn: string): bigint {
  const [hi, lo] = lsn.split('/');
  return (BigInt(`0x${hi}`) << 32n) | BigInt(`0x${lo}`);
}

export interface ReplicaState {
  /** Seconds the replica is behind the primary (precision: one check interval); null before the first check. */
  lagSeconds: number | null;
  /** Dashboard reads go to the replica now. */
  inUse: boolean;
  /** Why not, when not. */
  reason?: string;
}

/**
 * Sends dashboard reads to a streaming replica while it keeps up, else to the primary.
 *
 * Lag is measured as freshness, not from pg_last_xact_replay_timestamp() (which grows on an idle
 * primary with nothing to replay): every check samples the primary's WAL position with its time, and
 * the replica is as far behind as the oldest sample it has not replayed yet. An idle pair has lag 0;
 * a replica that stops replaying (or receiving) shows a lag that grows with the clock.
 */
export class ReadReplicaRouter {
  private readonly pending: { lsn: bigint; at: number }[] = [];
  private state: ReplicaState = { lagSeconds: null, inUse: false, reason: 'not checked yet' };
  private timer: NodeJS.Timeout | undefined;
  private checking: Promise<void> | undefined;
  private readonly lagGauge: Gauge;
  private readonly inUseGauge: Gauge;

  constructor(
    private readonly primary: Pool,
    private readonly replica: Pool,
    private readonly opts: { maxLagS: number; checkMs: number; logger: Logger; registry: Registry },
  ) {
    this.lagGauge = new Gauge({
      name: 'beacon_api_replica_lag_seconds',
      help: 'How far the read replica (DATABASE_READ_URL) is behind the primary, in seconds. Healthy: under a few seconds; above DATABASE_READ_MAX_LAG_S the API reads the primary.',
      registers: [opts.registry],
    });
    this.inUseGauge = new Gauge({
      name: 'beacon_api_replica_in_use',
      help: '1 while dashboard reads go to the read replica, 0 while they fall back to the primary.',
      registers: [opts.registry],
    });
  }

  /** Measures once, then every checkMs. */
  async start(): Promise<void> {
    await this.check();
    this.timer = setInterval(() => void this.check(), this.opts.checkMs);
    this.timer.unref();
  }

  /** Where a dashboard read goes now. */
  reads(): Pool {
    return this.state.inUse ? this.replica : this.primary;
  }

  status(): ReplicaState {
    return { ...this.state };
  }

  /** One measurement (concurrent callers share it). */
  check(): Promise<void> {
    this.checking ??= this.measure().finally(() => (this.checking = undefined));
    return this.checking;
  }

  private async measure(): Promise<void> {
    const now = Date.now();
    try {
      const { rows: p } = await this.primary.query<{ lsn: string }>(sql.primaryLsn);
      this.pending.push({ lsn: parseLsn(p[0]!.lsn), at: now });
      // Bounded: a replica gone for long keeps only the oldest sample that matters and recent ones.
      if (this.pending.length > 1000) this.pending.splice(1, this.pending.length - 1000);
    } catch (err) {
      // Without the primary the lag cannot be measured; keep the last decision.
      this.opts.logger.debug({ err }, 'read replica: primary WAL position unavailable');
      return;
    }
    try {
      const { rows } = await this.replica.query<{ replay_lsn: string | null; in_recovery: boolean }>(
        sql.replicaReplayLsn,
      );
      const r = rows[0]!;
      if (!r.in_recovery || r.replay_lsn === null)
        return this.set(null, false, 'DATABASE_READ_URL is not a standby in recovery');
      const replayed = parseLsn(r.replay_lsn);
      while (this.pending.length && this.pending[0]!.lsn <= replayed) this.pending.shift();
      const lag = this.pending.length ? (Date.now() - this.pending[0]!.at) / 1000 : 0;
      if (lag > this.opts.maxLagS) return this.set(lag, false, `lag ${lag.toFixed(1)} s above the limit`);
      this.set(lag, true);
    } catch (err) {
      this.opts.logger.debug({ err }, 'read replica unreachable');
      this.set(null, false, 'replica not answering');
    }
  }

  private set(lag: number | null, inUse: boolean, reason?: string): void {
    if (inUse !== this.state.inUse)
      this.opts.logger.warn(
        { lagSeconds: lag, reason },
        inUse ? 'dashboard reads back on the read replica' : 'dashboard reads fall back to the primary',
      );
    this.state = { lagSeconds: lag, inUse, ...(reason ? { reason } : {}) };
    if (lag !== null) this.lagGauge.set(lag);
    this.inUseGauge.set(inUse ? 1 : 0);
  }

  stop(): void {
    clearInterval(this.timer);
  }

  /** Closes the replica's pool (the primary belongs to the caller). */
  async end(): Promise<void> {
    await this.replica.end();
  }
}
