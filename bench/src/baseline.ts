import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

/**
 * Another built checkout of Beacon (BENCH_BASELINE_DIR, e.g. a worktree of main after `tsc -b`),
 * measured in the same run as this one: its query functions on the same data, its writer on a
 * database of its own migrations. On a shared machine only figures of one run compare.
 */
export interface Baseline {
  dir: string;
  /** Its writer's entry point. */
  writerMain: string;
  /** Its API's entry point. */
  apiMain: string;
  /** Its migrations, applied to an empty database. */
  migrate: (url: string) => Promise<unknown>;
  /** One of its built modules, by path from the repository root (services/api/dist/...). */
  load<T>(path: string): Promise<T>;
}

/** The baseline checkout at `dir`, or undefined for '' (no baseline). */
export async function baselineAt(dir: string): Promise<Baseline | undefined> {
  if (!dir) return undefined;
  const root = resolve(dir);
  const load = async <T>(path: string) => (await import(pathToFileURL(join(root, path)).href)) as T;
  const db = await load<{ migrate: (url: string) => Promise<unknown> }>('packages/db/dist/index.js');
  return {
    dir: root,
    writerMain: join(root, 'services/writer/dist/main.js'),
    apiMain: join(root, 'services/api/dist/main.js'),
    migrate: db.migrate,
    load,
  };
}
