import { statSync, unwatchFile, watchFile, type Stats } from 'node:fs';
import type { Logger } from '@beacon/observability';

/** Where one optional data source stands (shown in /readyz detail and logged once at start). */
export interface SourceStatus {
  readonly name: string;
  readonly path: string | null;
  /** loaded | not_configured | missing | failed */
  readonly state: 'loaded' | 'not_configured' | 'missing' | 'failed';
  readonly error?: string;
  readonly loadedAt?: string;
  readonly loadMs?: number;
  readonly info?: Record<string, unknown>;
}

/**
 * A data file opened at start and opened again when it changes on disk (mtime or size), without a
 * restart: operators replace GeoIP databases in place (geoipupdate writes a new file and renames it).
 * Polling with fs.watchFile works for renames and on every file system; a failed reload keeps the
 * previous data and is logged. A missing or unconfigured file leaves `value` null (fields stay null).
 */
export class WatchedFile<T> {
  value: T | null = null;
  private status: SourceStatus;
  private watching = false;

  constructor(
    readonly name: string,
    readonly path: string | null,
    private readonly open: (path: string) => T,
    private readonly opts: {
      logger: Logger;
      intervalMs: number;
      onReload?: () => void;
      describe?: (v: T) => Record<string, unknown>;
    },
  ) {
    this.status = { name, path, state: 'not_configured' };
    if (!path) return;
    this.load('start');
    if (opts.intervalMs > 0) {
      watchFile(path, { interval: opts.intervalMs, persistent: false }, this.onChange);
      this.watching = true;
    }
  }

  private readonly onChange = (cur: Stats, prev: Stats): void => {
    if (cur.mtimeMs === prev.mtimeMs && cur.size === prev.size && cur.ino === prev.ino) return;
    if (cur.nlink === 0 && cur.size === 0) return; // removed: keep serving the data we have
    this.load('change');
  };

  private load(why: 'start' | 'change'): void {
    const path = this.path!;
    const started = performance.now();
    try {
      statSync(path);
    } catch {
      if (why === 'start') this.status = { name: this.name, path, state: 'missing', error: 'file not found' };
      return;
    }
    try {
      const value = this.open(path);
      this.value = value;
      const loadMs = Math.round(performance.now() - started);
      this.status = {
        name: this.name,
        path,
        state: 'loaded',
        loadedAt: new Date().toISOString(),
        loadMs,
        ...(this.opts.describe ? { info: this.opts.describe(value) } : {}),
      };
      if (why === 'change') {
        this.opts.logger.info({ source: this.name, path, loadMs }, 'data file changed: reloaded');
        this.opts.onReload?.();
      }
    } catch (err) {
      const message = (err as Error).message;
      if (why === 'start' || this.value === null)
        this.status = { name: this.name, path, state: 'failed', error: message };
      this.opts.logger.error(
        { source: this.name, path, err: message },
        'data file could not be opened; keeping what was loaded',
      );
    }
  }

  describe(): SourceStatus {
    return this.status;
  }

  close(): void {
    if (this.watching && this.path) unwatchFile(this.path, this.onChange);
    this.watching = false;
  }
}
