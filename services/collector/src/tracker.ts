import { createHash } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';

export type TrackerFile = 'core' | 'extras' | 'vitals';

export interface TrackerAsset {
  body: Buffer;
  gzip: Buffer;
  etag: string;
}

/**
 * File names of the built scripts in the tracker directory. They are the tracker package's
 * TRACKER_FILE_NAMES (services/cli/test checks the two agree): the collector does not import the
 * tracker, it is handed the directory (COLLECTOR_TRACKER_DIR, or the build that `beacon serve` passes).
 */
export const TRACKER_FILE_NAMES: Record<TrackerFile, string> = {
  core: 'beacon.js',
  extras: 'beacon-extras.js',
  vitals: 'beacon-vitals.js',
};
/** How often a served file is checked for a newer build (a deploy replaces the files; no restart needed). */
const RECHECK_MS = 2_000;

/**
 * The built tracker scripts, read from `dir` (empty: none, every script answers 404 saying so). Kept in
 * memory with a pre-gzipped copy and a content ETag; re-read when the file changes.
 */
export class TrackerAssets {
  private readonly cache = new Map<
    TrackerFile,
    { asset: TrackerAsset; mtimeMs: number; checkedAt: number }
  >();

  constructor(private readonly dir: string) {}

  async get(which: TrackerFile): Promise<TrackerAsset | null> {
    const cached = this.cache.get(which);
    const now = Date.now();
    if (cached && now - cached.checkedAt < RECHECK_MS) return cached.asset;
    const path = await this.pathOf(which);
    if (!path) return null;
    let mtimeMs: number;
    try {
      mtimeMs = (await stat(path)).mtimeMs;
    } catch {
      this.cache.delete(which);
      return null;
    }
    if (cached && cached.mtimeMs === mtimeMs) {
      cached.checkedAt = now;
      return cached.asset;
    }
    const body = await readFile(path);
    const asset: TrackerAsset = {
      body,
      gzip: gzipSync(body, { level: 9 }),
      etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"`,
    };
    this.cache.set(which, { asset, mtimeMs, checkedAt: now });
    return asset;
  }

  private async pathOf(which: TrackerFile): Promise<string | null> {
    return this.dir ? join(this.dir, TRACKER_FILE_NAMES[which]) : null;
  }
}
