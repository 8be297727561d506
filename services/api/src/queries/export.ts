import type { Pool, PoolClient } from 'pg';
import { csvFormatter } from '@beacon/db';
import type { EventColumnName } from '@beacon/schema';
import type { Role } from '../auth/types.js';
import { ForbiddenError } from '../http/errors.js';
import {
  defaultEventColumns,
  isPersonalColumn,
  mayExportPersonalColumns,
  PERSONAL_EVENT_COLUMNS,
} from '../exports/personal-columns.js';
import { QueryInputError } from './errors.js';
import { scopeOf, type Statement, type StatsSite } from './stats.js';
import { breakdownStatement } from './traffic.js';
import { exportEvents } from './statements/export.js';
import { companyExport } from './statements/company-export.js';
import type { DimensionName } from './dimensions.js';
import type { ExportQuery } from './schemas.js';

/**
 * CSV export of any breakdown or of raw events, streamed: rows come from a server-side cursor
 * (DECLARE ... FETCH in a read-only transaction), so memory stays flat whatever the range holds.
 */
export const EXPORT_BATCH = 2000;

export interface ExportStatement extends Statement {
  filename: string;
  /** Personal events columns left out because the caller's role may not export them. */
  omitted: readonly string[];
}

export function exportStatement(
  site: StatsSite,
  what: DimensionName | 'events',
  q: ExportQuery,
  role: Role,
  dashboardUrl = '',
): ExportStatement {
  // Companies for sales tools: facts, country, lead score and a dashboard link per company.
  if (what === 'companies') {
    if (q.columns) throw new QueryInputError('columns applies to the events export only');
    const s = scopeOf(site, q);
    const text = companyExport(
      s,
      s.p.add(site.agencyId),
      s.p.add((site as StatsSite & { id?: string }).id ?? null),
      s.p.add(dashboardUrl.replace(/\/+$/, '')),
    );
    return { text, values: s.p.values, filename: `${site.scriptId}-companies.csv`, omitted: [] };
  }
  if (what !== 'events') {
    if (q.columns) throw new QueryInputError('columns applies to the events export only');
    return { ...breakdownStatement(site, what, q), filename: `${site.scriptId}-${what}.csv`, omitted: [] };
  }
  let columns: readonly EventColumnName[];
  let omitted: readonly string[] = [];
  if (q.columns) {
    columns = [...new Set(q.columns as EventColumnName[])];
    const refused = columns.filter(isPersonalColumn);
    if (refused.length && !mayExportPersonalColumns(role))
      throw new ForbiddenError(`exporting ${refused.join(', ')} needs the admin role`);
  } else {
    columns = defaultEventColumns(role);
    if (!mayExportPersonalColumns(role)) omitted = PERSONAL_EVENT_COLUMNS;
  }
  const s = scopeOf(site, q);
  return {
    text: exportEvents(s, columns),
    values: s.p.values,
    filename: `${site.scriptId}-events.csv`,
    omitted,
  };
}

export interface CsvChunkOptions {
  batch?: number;
  /**
   * idle_in_transaction_session_timeout of the export's transaction, in ms: PostgreSQL ends the
   * session itself if the API stops fetching (a stalled client the API failed to cut, a stuck process).
   */
  idleInTransactionMs?: number;
}

/**
 * Yields CSV text chunks: the header line, then one chunk per fetched batch. Stopping early (return()
 * of the generator) rolls back and gives the connection back; a connection that failed is discarded.
 */
export async function* csvChunks(
  pool: Pool,
  st: Statement,
  opts: CsvChunkOptions = {},
): AsyncGenerator<string> {
  const batch = opts.batch ?? EXPORT_BATCH;
  const client: PoolClient = await pool.connect();
  let open = false;
  let broken: Error | undefined;
  try {
    await client.query('BEGIN READ ONLY');
    open = true;
    if (opts.idleInTransactionMs)
      await client.query(`SELECT set_config('idle_in_transaction_session_timeout', $1, true)`, [
        String(opts.idleInTransactionMs),
      ]);
    await client.query(`DECLARE beacon_export NO SCROLL CURSOR FOR ${st.text}`, st.values);
    let csv: ReturnType<typeof csvFormatter> | undefined;
    for (;;) {
      const r = await client.query({ text: `FETCH ${batch} FROM beacon_export`, rowMode: 'array' });
      if (!csv) {
        csv = csvFormatter(r.fields);
        yield csv.header();
      }
      if (r.rows.length === 0) break;
      yield csv.rows(r.rows as unknown[][]);
    }
    await client.query('COMMIT');
    open = false;
  } catch (err) {
    broken = err as Error;
    throw err;
  } finally {
    // A connection that failed, or whose session PostgreSQL ended (the idle timeout), is not reused.
    let discard = broken !== undefined && !isQueryError(broken);
    if (open) await client.query('ROLLBACK').catch(() => (discard = true));
    client.release(discard || undefined);
  }
}

/** An error PostgreSQL answered for a statement (the session is still fine after ROLLBACK). */
function isQueryError(err: Error): boolean {
  const code = (err as { code?: unknown }).code;
  return (
    typeof code === 'string' &&
    /^[0-9A-Z]{5}$/.test(code) &&
    !code.startsWith('08') && // connection exception
    !code.startsWith('57P') && // operator intervention (shutdown, terminated)
    code !== '25P03' // idle_in_transaction_session_timeout
  );
}
