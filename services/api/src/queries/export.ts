import type { Pool } from 'pg';
import { breakdownStatement, scopeOf, type StatsSite } from './stats.js';
import { exportEvents } from './statements/export.js';
import type { DimensionName } from './dimensions.js';
import type { ExportQuery } from './schemas.js';

/**
 * CSV export of any breakdown or of raw events, streamed: rows come from a server-side cursor
 * (DECLARE ... FETCH in a read-only transaction), so memory stays flat whatever the range holds.
 */
export const EXPORT_BATCH = 2000;

export interface ExportStatement {
  text: string;
  values: unknown[];
  filename: string;
}

export function exportStatement(
  site: StatsSite,
  what: DimensionName | 'events',
  q: ExportQuery,
): ExportStatement {
  if (what === 'events') {
    const s = scopeOf(site, q);
    return { text: exportEvents(s), values: s.p.values, filename: `${site.scriptId}-events.csv` };
  }
  return { ...breakdownStatement(site, what, q), filename: `${site.scriptId}-${what}.csv` };
}

/** Yields CSV text chunks: the header line, then one chunk per fetched batch. Stopping early rolls back. */
export async function* csvChunks(
  pool: Pool,
  st: { text: string; values: unknown[] },
  batch = EXPORT_BATCH,
): AsyncGenerator<string> {
  const client = await pool.connect();
  let open = false;
  try {
    await client.query('BEGIN READ ONLY');
    open = true;
    await client.query(`DECLARE beacon_export NO SCROLL CURSOR FOR ${st.text}`, st.values);
    let header = false;
    for (;;) {
      const r = await client.query({ text: `FETCH ${batch} FROM beacon_export`, rowMode: 'array' });
      if (!header) {
        yield `${r.fields.map((f) => csvField(f.name)).join(',')}\r\n`;
        header = true;
      }
      if (r.rows.length === 0) break;
      let out = '';
      for (const row of r.rows as unknown[][]) out += `${row.map(csvField).join(',')}\r\n`;
      yield out;
    }
    await client.query('COMMIT');
    open = false;
  } finally {
    if (open) await client.query('ROLLBACK').catch(() => undefined);
    client.release();
  }
}

/**
 * One CSV field (RFC 4180). Text starting with = + - @ or a tab gets a leading apostrophe, so a
 * spreadsheet opening the file does not run a visitor-supplied formula (CSV injection).
 */
export function csvField(v: unknown): string {
  if (v === null || v === undefined) return '';
  let s: string;
  if (v instanceof Date) s = v.toISOString();
  else if (typeof v === 'object') s = JSON.stringify(v);
  else if (typeof v === 'string') s = /^[=+\-@\t\r]/.test(v) ? `'${v}` : v;
  else s = String(v);
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}
