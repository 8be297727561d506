import { statSync, type Stats } from 'node:fs';
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
 * Polling (a stat per interval) works for renames and on every file system; a failed reload keeps the
 * previous data and is logged. A missing or unconfigured file leaves `value` null (fields stay null).
 */
export class WatchedFile<T> {
  value: T | null = null;
  private status: SourceStatus;
  /** Identity of the file the current value was read from: a change is judged against it, not against
   * the watcher's previous poll, so a replacement between the load and the first poll is not missed. */
  private loaded: { mtimeMs: number; size: number; ino: number } | null = null;
  private timer: NodeJS.Timeout | undefined;

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
      // Our own poll rather than fs.watchFile: watchFile compares each poll with the previous one, so a
      // file replaced between the load and its first poll would never be seen as changed.
      this.timer = setInterval(this.poll, opts.intervalMs);
      this.timer.unref();
    }
  }

  private readonly poll = (): void => {
    let cur: Stats;
    try {
      cur = statSync(this.path!);
    } catch {
      return; // removed or being replaced: keep serving the data we have
    }
    this.onChange(cur);
  };

  private onChange(cur: Stats): void {
    const l = this.loaded;
    if (l && cur.mtimeMs === l.mtimeMs && cur.size === l.size && cur.ino === l.ino) return;
    if (cur.size === 0) return; // being written: the next poll sees the finished file
    this.load('change');
  }

  private load(why: 'start' | 'change'): void {
    const path = this.path!;
    const started = performance.now();
    let stat: Stats;
    try {
      stat = statSync(path);
    } catch {
      if (why === 'start') this.status = { name: this.name, path, state: 'missing', error: 'file not found' };
      return;
    }
    try {
      const value = this.open(path);
      this.value = value;
      this.loaded = { mtimeMs: stat.mtimeMs, size: stat.size, ino: stat.ino };
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
      if (why === 'start' || this.value === null)
        this.status = { name: this.name, path, state: 'failed', error: (err as Error).message };
      this.opts.logger.error(
        { source: this.name, path, err },
        'data file could not be opened; keeping what was loaded',
      );
    }
  }

  describe(): SourceStatus {
    return this.status;
  }

  close(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }
}
