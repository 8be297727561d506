import { EVENT_COLUMNS, type ColumnDef, type UncheckedEventRow } from '@beacon/schema';

/**
 * The one encoder of rows into PostgreSQL's COPY text format (the default of `COPY ... FROM STDIN`):
 * one line per row, columns in EVENT_COLUMNS order separated by tabs, `\N` for NULL, and backslash,
 * newline, carriage return and tab escaped with a backslash — every other character, emoji, CJK and
 * RTL text included, passes through as UTF-8.
 * @see https://www.postgresql.org/docs/15/sql-copy.html#id-1.9.3.55.9.2
 *
 * Values follow the EnrichedJob contract: jsonb columns carry JSON values (always JSON.stringify'd,
 * so a string becomes a JSON string), timestamps ISO strings, booleans true/false. A value of the
 * wrong type is passed on as text and PostgreSQL refuses it (SQLSTATE class 22): the batch splits and
 * the row goes to dead_events — the database is the one validator of column types.
 *
 * NUL cannot be stored in PostgreSQL text; the collector strips it (cleanText). A NUL that still
 * arrives is kept in the line so PostgreSQL refuses the row (22021) and it is dead-lettered rather
 * than silently changed.
 */

const NEEDS_ESCAPE = /[\\\n\r\t]/;
const ESCAPE_ALL = /[\\\n\r\t]/g;
const ESCAPES: Record<string, string> = { '\\': '\\\\', '\n': '\\n', '\r': '\\r', '\t': '\\t' };

/** Escapes one text value for COPY text format. */
export function escapeCopyText(s: string): string {
  return NEEDS_ESCAPE.test(s) ? s.replace(ESCAPE_ALL, (c) => ESCAPES[c]!) : s;
}

function encodeValue(col: ColumnDef, v: unknown): string {
  if (v === null || v === undefined) return '\\N';
  if (col.type === 'jsonb') {
    const json = JSON.stringify(v);
    return json === undefined ? '\\N' : escapeCopyText(json);
  }
  switch (typeof v) {
    case 'string':
      return escapeCopyText(v);
    case 'number':
      // NaN/Infinity are not valid for these columns: PostgreSQL refuses the text and the row is dead-lettered.
      return String(v);
    case 'boolean':
      return v ? 't' : 'f';
    case 'bigint':
      return v.toString();
    default:
      return escapeCopyText(v instanceof Date ? v.toISOString() : JSON.stringify(v));
  }
}

/** The COPY column list: the field registry's columns, in table order (sql/batch.ts copyEvents names them). */
const COLUMNS = EVENT_COLUMNS;

/** One row as a COPY text line (with its newline). */
export function encodeCopyLine(row: UncheckedEventRow): string {
  let line = encodeValue(COLUMNS[0]!, row[COLUMNS[0]!.name]);
  for (let i = 1; i < COLUMNS.length; i++) line += `\t${encodeValue(COLUMNS[i]!, row[COLUMNS[i]!.name])}`;
  return `${line}\n`;
}

const CHUNK = 1 << 20;

/**
 * Rows as COPY text in UTF-8 chunks of about 1 MiB, written line by line into preallocated buffers
 * (joining a batch into one multi-megabyte string first costs four times the encoding itself). Lone
 * UTF-16 surrogates become U+FFFD, as in any UTF-8 encoding.
 */
export function encodeCopyChunks(rows: readonly UncheckedEventRow[]): Buffer[] {
  const chunks: Buffer[] = [];
  let buf = Buffer.allocUnsafe(CHUNK);
  let used = 0;
  for (let i = 0; i < rows.length; i++) {
    const line = encodeCopyLine(rows[i]!);
    // A UTF-16 code unit takes at most 3 bytes in UTF-8.
    if (used + line.length * 3 > buf.length) {
      if (used > 0) chunks.push(buf.subarray(0, used));
      buf = Buffer.allocUnsafe(Math.max(CHUNK, line.length * 3));
      used = 0;
    }
    used += buf.write(line, used, 'utf8');
  }
  if (used > 0) chunks.push(buf.subarray(0, used));
  return chunks;
}

/** Rows as one COPY text payload (UTF-8). */
export function encodeCopyText(rows: readonly UncheckedEventRow[]): Buffer {
  return Buffer.concat(encodeCopyChunks(rows));
}
