import { createReadStream } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { createGunzip } from 'node:zlib';
import { statisticsSql, type Pool } from '@beacon/db';
import { storeBatch } from '@beacon/writer';
import { parse } from 'csv-parse';
import { mapGa4Row, type EventRow, type MapResult } from './ga4.js';
import { mapUmamiRecord } from './umami.js';

export interface ImportSummary {
  files: number;
  lines: number;
  inserted: number;
  /** Rows the database already had (a second run of the same export). */
  already: number;
  /** Lines that could not be mapped, by reason. */
  skipped: Record<string, number>;
  /** Top-level export fields present but not mapped, with how many rows had them. */
  unmappedFields: Record<string, number>;
  seconds: number;
}

/** The NDJSON files of a path: the file itself, or the .json/.ndjson(.gz) files of a directory. */
async function filesOf(path: string, pattern: RegExp): Promise<string[]> {
  if (!(await stat(path)).isDirectory()) return [path];
  return (await readdir(path))
    .filter((f) => pattern.test(f))
    .sort()
    .map((f) => join(path, f));
}

/** What the importers report while they run: the summary so far and, when known, how far they are. */
/** The Beacon site an import writes to: its script_id, and the domain its imported page URLs belong to. */
export interface ImportSite {
  scriptId: string;
  domain: string;
}

/** An importer: reads `source` (a file, a folder or a database URL) into the history of `site`. */
export type HistoryImport<O, S = ImportSummary> = (
  pool: Pool,
  source: string,
  site: ImportSite,
  opts?: O,
) => Promise<S>;

export interface ImportProgress extends ImportSummary {
  /** Share of the source read, 0..1 (file bytes, database rows); undefined when the source cannot tell. */
  fraction?: number;
}

/** Least time between two progress reports: the command decides what to print of them. */
const REPORT_MS = 200;

/** Stores mapped rows `batchRows` at a time through the writer's storeBatch and keeps the summary. */
export class Importer {
  readonly s: ImportSummary = {
    files: 0,
    lines: 0,
    inserted: 0,
    already: 0,
    skipped: {},
    unmappedFields: {},
    seconds: 0,
  };
  /** How much of the source has been read, 0..1, when the importer's source can tell. */
  fraction: (() => number) | undefined;
  private batch: EventRow[] = [];
  private readonly started = performance.now();
  private lastReport = this.started;

  constructor(
    private readonly pool: Pool,
    private readonly batchRows: number,
    private readonly progress?: (p: ImportProgress) => void,
  ) {}

  async add(m: MapResult): Promise<void> {
    const s = this.s;
    s.lines++;
    for (const f of m.unmapped) s.unmappedFields[f] = (s.unmappedFields[f] ?? 0) + 1;
    if (!m.row) s.skipped[m.error!] = (s.skipped[m.error!] ?? 0) + 1;
    else {
      this.batch.push(m.row);
      if (this.batch.length >= this.batchRows) await this.flush();
    }
    this.report(false);
  }

  async flush(): Promise<ImportSummary> {
    const s = this.s;
    if (this.batch.length > 0) {
      // History is not traffic: health off. Rows already stored (a second run) are skipped by id.
      const r = await storeBatch(this.pool as never, this.batch, [], { mayHoldStored: true, health: false });
      s.inserted += r.inserted;
      s.already += r.skipped;
      for (const d of r.dead) {
        const why = `refused by PostgreSQL (${d.sqlstate})`;
        s.skipped[why] = (s.skipped[why] ?? 0) + 1;
      }
      this.batch = [];
    }
    s.seconds = (performance.now() - this.started) / 1000;
    return s;
  }

  /** The last rows stored, and a last progress report (the whole source read). */
  async finish(): Promise<ImportSummary> {
    const s = await this.flush();
    // History read at once by the dashboards: with statistics of the tables as they are now.
    if (s.inserted > 0) await this.pool.query(statisticsSql.analyzeReadTables);
    this.report(true);
    return s;
  }

  private report(last: boolean): void {
    const now = performance.now();
    if (!this.progress || (!last && now - this.lastReport < REPORT_MS)) return;
    this.lastReport = now;
    this.s.seconds = (now - this.started) / 1000;
    const fraction = this.fraction && (last ? 1 : Math.min(1, this.fraction()));
    this.progress({ ...this.s, fraction });
  }
}

/** Opens the files one after another (gunzipping .gz) and has `imp.fraction` tell the share of their bytes read. */
async function* eachFile(files: string[], imp: Importer): AsyncGenerator<NodeJS.ReadableStream> {
  const sizes = await Promise.all(files.map(async (f) => (await stat(f)).size));
  const total = sizes.reduce((a, b) => a + b, 0);
  let before = 0;
  for (const [i, file] of files.entries()) {
    const input = createReadStream(file);
    imp.fraction = () => (total === 0 ? 1 : (before + input.bytesRead) / total);
    imp.s.files++;
    yield file.endsWith('.gz') ? input.pipe(createGunzip()) : input;
    before += sizes[i]!;
  }
}

/**
 * Imports a GA4 BigQuery export for a site: events, sessions and rollups in one transaction per batch,
 * rows already stored skipped. `progress` is called at most every 200 ms, and once at the end.
 */
export async function importGa4(
  pool: Pool,
  path: string,
  siteId: string,
  opts: { batchRows?: number; progress?: (p: ImportProgress) => void } = {},
): Promise<ImportSummary> {
  const imp = new Importer(pool, opts.batchRows ?? 5_000, opts.progress);
  for await (const input of eachFile(await filesOf(path, /\.(nd)?json(l)?(\.gz)?$/i), imp)) {
    for await (const line of createInterface({ input, crlfDelay: Infinity })) {
      if (line.trim() !== '') await imp.add(mapGa4Row(line, siteId));
    }
  }
  return imp.finish();
}

/** Imports Umami `website_event` CSV exports (with header; session columns optional) for a site. */
export const importUmamiCsv: HistoryImport<{
  batchRows?: number;
  progress?: (p: ImportProgress) => void;
}> = async (pool, path, site, opts = {}) => {
  const imp = new Importer(pool, opts.batchRows ?? 5_000, opts.progress);
  for await (const input of eachFile(await filesOf(path, /\.csv(\.gz)?$/i), imp)) {
    const records = input.pipe(parse({ columns: true, skip_empty_lines: true, bom: true }));
    for await (const rec of records as AsyncIterable<Record<string, string>>)
      await imp.add(mapUmamiRecord(rec, site.scriptId, site.domain));
  }
  return imp.finish();
};
