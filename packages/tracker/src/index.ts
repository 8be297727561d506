import { fileURLToPath } from 'node:url';

/**
 * The built browser files of the tracker (made by `pnpm build`: tsc, then `scripts/bundle.mjs` with
 * esbuild). The collector serves them; the public paths are its choice (default /v1/beacon.js and,
 * next to it, /v1/beacon-extras.js: the core loads the extras file relative to its own URL).
 */
export interface TrackerFiles {
  /** Absolute path of the core script (page views, SPA, engagement, events, identify, retry). */
  core: string;
  /** Absolute path of the optional extras script (forms, media, ecommerce and lead helpers). */
  extras: string;
}

/** File names of the built scripts, also their default names next to each other under the collector's /v1/. */
export const TRACKER_FILE_NAMES = { core: 'beacon.js', extras: 'beacon-extras.js' } as const;

/** Size budgets in gzipped bytes (zlib default level); a test fails when a built file passes its budget. */
export const TRACKER_BUDGETS_GZIP = { core: 2048, extras: 1536 } as const;

/** Absolute paths of the built files (from src/ under jest or dist/ at run time alike). */
export function trackerFiles(): TrackerFiles {
  const dist = new URL('../dist/', import.meta.url);
  return {
    core: fileURLToPath(new URL(TRACKER_FILE_NAMES.core, dist)),
    extras: fileURLToPath(new URL(TRACKER_FILE_NAMES.extras, dist)),
  };
}
