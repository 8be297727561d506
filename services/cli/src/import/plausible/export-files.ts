import { createReadStream } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import type { Readable } from 'node:stream';
import yauzl from 'yauzl';

/**
 * The CSV files of a Plausible export: a directory of them, or the zip that Plausible's "Export to CSV"
 * hands out (read with yauzl: entries streamed, never the whole archive in memory). Plausible names
 * each file `{table}_{first day}_{last day}.csv` (e.g. imported_visitors_20230209_20240123.csv).
 */
export interface ExportFile {
  /** File name without directories. */
  name: string;
  /** The table the name says (imported_visitors, ...), or null when it is not a Plausible export file. */
  table: string | null;
  open(): Promise<Readable>;
}

export interface ExportArchive {
  files: ExportFile[];
  close(): void;
}

const TABLE_NAME = /^(imported_[a-z_]+?)(?:_\d{8}_\d{8})?\.csv$/;

export function tableOf(name: string): string | null {
  return TABLE_NAME.exec(name)?.[1] ?? null;
}

async function zipEntries(zip: yauzl.ZipFile): Promise<yauzl.Entry[]> {
  return new Promise((resolve, reject) => {
    const entries: yauzl.Entry[] = [];
    zip.on('entry', (e: yauzl.Entry) => {
      if (!e.fileName.endsWith('/')) entries.push(e);
      zip.readEntry();
    });
    zip.once('end', () => resolve(entries));
    zip.once('error', reject);
    zip.readEntry();
  });
}

/** Opens `path` (a directory or a .zip) and lists its files, sorted by name. */
export async function openExport(path: string): Promise<ExportArchive> {
  if ((await stat(path)).isDirectory()) {
    const names = (await readdir(path)).filter((n) => n.endsWith('.csv')).sort();
    return {
      files: names.map((name) => ({
        name,
        table: tableOf(name),
        open: async () => createReadStream(join(path, name)),
      })),
      close: () => undefined,
    };
  }
  const zip = await yauzl.openPromise(path, { lazyEntries: true, autoClose: false });
  const entries = (await zipEntries(zip)).sort((a, b) => a.fileName.localeCompare(b.fileName));
  return {
    files: entries.map((e) => {
      const name = basename(e.fileName);
      return { name, table: tableOf(name), open: () => zip.openReadStreamPromise(e) };
    }),
    close: () => zip.close(),
  };
}
