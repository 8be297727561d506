import { createReadStream } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { createGunzip } from 'node:zlib';
import type { Pool } from '@beacon/db';
import { storeBatch } from '@beacon/writer';
import { mapGa4Row, type EventRow } from './ga4.js';

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
async function filesOf(path: string): Promise<string[]> {
  if (!(await stat(path)).isDirectory()) return [path];
  return (await readdir(path))
    .filter((f) => /\.(nd)?json(l)?(\.gz)?$/i.test(f))
    .sort()
    .map((f) => join(path, f));
}

/**
 * Imports a GA4 BigQuery export for a site: rows through the writer's storeBatch (events, sessions,
 * rollups in one transaction per batch, rows already stored skipped), `batchRows` at a time.
 * `progress` is called about once a second.
 */
export async function importGa4(
  pool: Pool,
  path: string,
  siteId: string,
  opts: { batchRows?: number; progress?: (s: ImportSummary) => void } = {},
): Promise<ImportSummary> {
  const started = performance.now();
  const s: ImportSummary = {
    files: 0,
    lines: 0,
    inserted: 0,
    already: 0,
    skipped: {},
    unmappedFields: {},
    seconds: 0,
  };
  const batchRows = opts.batchRows ?? 5_000;
  let batch: EventRow[] = [];
  let lastReport = 0;
  const flush = async () => {
    if (batch.length === 0) return;
    const r = await storeBatch(pool as never, batch, [], { mayHoldStored: true, health: false });
    s.inserted += r.inserted;
    s.already += r.skipped;
    for (const d of r.dead)
      s.skipped[`refused by PostgreSQL (${d.sqlstate})`] =
        (s.skipped[`refused by PostgreSQL (${d.sqlstate})`] ?? 0) + 1;
    batch = [];
    s.seconds = (performance.now() - started) / 1000;
    if (opts.progress && performance.now() - lastReport > 1000) {
      lastReport = performance.now();
      opts.progress(s);
    }
  };
  for (const file of await filesOf(path)) {
    s.files++;
    let input: NodeJS.ReadableStream = createReadStream(file);
    if (file.endsWith('.gz')) input = input.pipe(createGunzip());
    const lines = createInterface({ input, crlfDelay: Infinity });
    for await (const line of lines) {
      if (line.trim() === '') continue;
      s.lines++;
      const m = mapGa4Row(line, siteId);
      for (const f of m.unmapped) s.unmappedFields[f] = (s.unmappedFields[f] ?? 0) + 1;
      if (!m.row) {
        s.skipped[m.error!] = (s.skipped[m.error!] ?? 0) + 1;
        continue;
      }
      batch.push(m.row);
      if (batch.length >= batchRows) await flush();
    }
  }
  await flush();
  s.seconds = (performance.now() - started) / 1000;
  return s;
}
