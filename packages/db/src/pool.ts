import pg from 'pg';
import type { Logger } from '@beacon/observability';

// BIGINT (int8) columns such as events.timestamp hold client milliseconds: exact in a JS number
// up to 2^53, so parse them as numbers instead of strings.
pg.types.setTypeParser(pg.types.builtins.INT8, (v) => Number(v));

export interface PoolOptions {
  databaseUrl: string;
  /** application_name, shown in pg_stat_activity: which service holds a connection. */
  applicationName: string;
  max?: number;
  statementTimeoutMs?: number;
  /**
   * false: sessions without JIT compilation (`jit = off`). The API's statements plan above
   * jit_above_cost on big sites, and compiling them took 0.5-2.6 s of a funnel's time, more than it
   * saved (docs/query-plans.md "Funnels"). Unset: the server's setting.
   */
  jit?: boolean;
  logger?: Logger;
}

/**
 * The pg pool of one service: the seed's max of 20 by default, a statement timeout, UTC sessions and
 * an 'error' listener (idle clients die when PostgreSQL restarts; without a listener that would crash
 * the process).
 */
export function createPool(opts: PoolOptions): pg.Pool {
  const pool = new pg.Pool({
    connectionString: opts.databaseUrl,
    application_name: opts.applicationName,
    max: opts.max ?? 20,
    statement_timeout:
      opts.statementTimeoutMs && opts.statementTimeoutMs > 0 ? opts.statementTimeoutMs : undefined,
    idleTimeoutMillis: 30_000,
    connectionTimeoutMillis: 10_000,
    options: opts.jit === false ? '-c TimeZone=UTC -c jit=off' : '-c TimeZone=UTC',
  });
  pool.on('error', (err) => {
    opts.logger?.warn({ err }, 'idle PostgreSQL client failed; it will be replaced');
  });
  // A checked-out client whose connection dies emits 'error' too; pg only listens on idle ones, and an
  // 'error' without a listener would crash the process. The query in flight rejects on its own.
  pool.on('connect', (client) => {
    client.on('error', (err) => opts.logger?.debug({ err }, 'PostgreSQL connection lost'));
  });
  return pool;
}

export type { Pool, PoolClient } from 'pg';
