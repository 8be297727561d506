import { once } from 'node:events';
import type { Writable } from 'node:stream';
import type pg from 'pg';
import { csvLine } from '../csv.js';
import { EXPORT_TABLES, exportColumns, subjectRecords, type ExportTable } from './export.js';
import { subjectKinds, type Subject } from './subject.js';

export interface SubjectExportOptions {
  format: 'json' | 'csv';
  /** csv only: the one table written (default events); the others are still counted. */
  table?: ExportTable;
  sliceHours: number;
}

export type SubjectExportCounts = Record<ExportTable, number>;

/**
 * Writes a person's export to `out`, streamed row by row so memory stays bounded by one time slice:
 * JSON (`{agency_id, subject_kinds, generated_at, events: [...], sessions: [...], dead_events: [...]}`)
 * or CSV of one table (its columns in table order, a header even when nothing matches). The one writer
 * of `POST /v1/privacy/export` and `beacon privacy export`; returns the rows found per table.
 */
export async function writeSubjectExport(
  pool: pg.Pool,
  out: Writable,
  agencyId: string,
  subject: Subject,
  opts: SubjectExportOptions,
): Promise<SubjectExportCounts> {
  const counts: SubjectExportCounts = { events: 0, sessions: 0, dead_events: 0 };
  const records = subjectRecords(pool, agencyId, subject, { sliceHours: opts.sliceHours });
  if (opts.format === 'csv') {
    const table = opts.table ?? 'events';
    const columns = await exportColumns(pool, table);
    await write(out, csvLine(columns));
    for await (const r of records) {
      counts[r.table]++;
      if (r.table === table) await write(out, csvLine(columns.map((k) => r.row[k])));
    }
    return counts;
  }
  const head = { agency_id: agencyId, subject_kinds: subjectKinds(subject), generated_at: new Date() };
  await write(out, JSON.stringify(head).slice(0, -1));
  let current: ExportTable | null = null;
  for await (const r of records) {
    counts[r.table]++;
    const json = JSON.stringify(r.row);
    if (r.table === current) await write(out, `,${json}`);
    else {
      await write(out, `${current ? ']' : ''},"${r.table}":[${json}`);
      current = r.table;
    }
  }
  let tail = current ? ']' : '';
  for (const t of EXPORT_TABLES) if (counts[t] === 0) tail += `,"${t}":[]`;
  await write(out, `${tail}}\n`);
  return counts;
}

/** Writes with backpressure; rejects when the reader went away (a client that closed the download). */
async function write(out: Writable, chunk: string): Promise<void> {
  if (out.destroyed) throw new Error('the export was closed before it ended');
  if (!out.write(chunk)) await once(out, 'drain');
}
