import type { PoolClient } from '@beacon/db';
import { parse } from 'csv-parse';
import * as sql from '../../sql/imports.js';
import type { ExportFile } from './export-files.js';
import { RowError, type DayRow, type MapContext, type TableSpec } from './tables.js';

/** What reading the export's files found (the summary's first half). */
export interface ReadTally {
  files: number;
  /** CSV rows read. */
  lines: number;
  /** Rows that could not be read, by reason ("imported_pages: no date"). */
  skipped: Record<string, number>;
  /** Columns present but not mapped ("imported_pages.hostname"), with how many rows had a value. */
  unmappedFields: Record<string, number>;
}

const FIELDS = [
  'day',
  'dim',
  'value',
  'visitors',
  'sessions',
  'page_views',
  'events',
  'bounced',
  'viewing',
  'duration',
] as const;

/** Buffers DayRows and inserts them into the connection's staging table `batch` at a time. */
export class Stager {
  private rows: DayRow[] = [];

  constructor(
    private readonly client: PoolClient,
    private readonly batch = 5_000,
  ) {}

  async add(rows: readonly DayRow[]): Promise<void> {
    for (const r of rows) this.rows.push(r);
    if (this.rows.length >= this.batch) await this.flush();
  }

  async flush(): Promise<void> {
    if (this.rows.length === 0) return;
    const rows = this.rows;
    this.rows = [];
    await this.client.query(
      sql.stageRows,
      FIELDS.map((f) => rows.map((r) => r[f])),
    );
  }
}

/** Reads one export file through its table's mapping into the stager; counts into `tally`. */
export async function stageFile(
  file: ExportFile,
  spec: TableSpec,
  ctx: MapContext,
  stager: Stager,
  tally: ReadTally,
  onRow: () => void,
): Promise<void> {
  const records = (await file.open()).pipe(
    parse({ columns: true, skip_empty_lines: true, bom: true, relax_column_count: true }),
  );
  const mapped = new Set(spec.mapped);
  let unmapped: string[] | null = null;
  for await (const rec of records as AsyncIterable<Record<string, string>>) {
    unmapped ??= Object.keys(rec).filter((k) => !mapped.has(k));
    tally.lines++;
    for (const col of unmapped) {
      if (rec[col] !== undefined && rec[col] !== '') {
        const key = `${file.table}.${col}`;
        tally.unmappedFields[key] = (tally.unmappedFields[key] ?? 0) + 1;
      }
    }
    try {
      await stager.add(spec.rows(rec, ctx));
    } catch (err) {
      if (!(err instanceof RowError)) throw err;
      const why = `${file.table}: ${err.message}`;
      tally.skipped[why] = (tally.skipped[why] ?? 0) + 1;
    }
    onRow();
  }
}
