import { accessSync, constants, readdirSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { homedir } from 'node:os';
import { delimiter, join } from 'node:path';
import { chromium, type Browser, type LaunchOptions, type Page } from 'playwright-core';

/**
 * The one way the browser tests (and the dashboard benchmark) find a Chromium: CHROMIUM_PATH if set,
 * else `chromium`, `chromium-browser`, `google-chrome` on the PATH, else a build in playwright's own
 * browser cache (`npx playwright install chromium`). scripts/test.mjs asks it before running jest.
 */

const ON_PATH = ['chromium', 'chromium-browser', 'google-chrome', 'google-chrome-stable'];

/** Inside a playwright cache folder `chromium-<revision>/`, per platform. */
const IN_CACHE = [
  'chrome-linux64/chrome',
  'chrome-linux/chrome',
  'chrome-mac-arm64/Google Chrome for Testing.app/Contents/MacOS/Google Chrome for Testing',
  'chrome-mac-x64/Google Chrome for Testing.app/Contents/MacOS/Google Chrome for Testing',
  'chrome-mac/Chromium.app/Contents/MacOS/Chromium',
  'chrome-win64/chrome.exe',
  'chrome-win/chrome.exe',
];

const PLAYWRIGHT_VERSION = (
  createRequire(import.meta.url)('playwright-core/package.json') as { version: string }
).version;

function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

/** Where playwright keeps its browsers (PLAYWRIGHT_BROWSERS_PATH, else its per-platform default). */
export function playwrightCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  const set = env.PLAYWRIGHT_BROWSERS_PATH;
  if (set && set !== '0') return set;
  if (process.platform === 'darwin') return join(homedir(), 'Library', 'Caches', 'ms-playwright');
  if (process.platform === 'win32')
    return join(env.LOCALAPPDATA ?? join(homedir(), 'AppData', 'Local'), 'ms-playwright');
  return join(env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'ms-playwright');
}

function fromPlaywrightCache(env: NodeJS.ProcessEnv): string | null {
  // Any chromium-<revision> folder, newest first (`npx playwright install` of a version near ours).
  const dir = playwrightCacheDir(env);
  let revisions: string[];
  try {
    revisions = readdirSync(dir).filter((d) => /^chromium-\d+$/.test(d));
  } catch {
    return null;
  }
  revisions.sort((a, b) => Number(b.slice(9)) - Number(a.slice(9)));
  for (const r of revisions)
    for (const rel of IN_CACHE) {
      const p = join(dir, r, rel);
      if (isExecutable(p)) return p;
    }
  return null;
}

/** The Chromium executable to launch, or null when there is none (see noChromiumMessage). */
export function findChromium(env: NodeJS.ProcessEnv = process.env): string | null {
  if (env.CHROMIUM_PATH) return isExecutable(env.CHROMIUM_PATH) ? env.CHROMIUM_PATH : null;
  for (const dir of (env.PATH ?? '').split(delimiter).filter(Boolean))
    for (const name of ON_PATH) {
      const p = join(dir, name);
      if (isExecutable(p)) return p;
    }
  return fromPlaywrightCache(env);
}

/** What to do when findChromium() finds nothing: one message, the same from `npm test` and a test. */
export function noChromiumMessage(env: NodeJS.ProcessEnv = process.env): string {
  const looked = env.CHROMIUM_PATH
    ? `CHROMIUM_PATH=${env.CHROMIUM_PATH} is not an executable file.`
    : `Looked for ${ON_PATH.join(', ')} on the PATH and in playwright's cache (${playwrightCacheDir(env)}).`;
  return [
    'No Chromium for the browser tests (tracker, dashboard, end-to-end pipeline).',
    looked,
    'Get one of these, then run the tests again:',
    '  - Debian/Ubuntu: sudo apt-get install chromium   (Ubuntu: chromium-browser)',
    `  - playwright's build: npx playwright@${PLAYWRIGHT_VERSION} install chromium`,
    '  - any Chromium or Chrome already installed: CHROMIUM_PATH=/path/to/chrome npm test',
  ].join('\n');
}

/**
 * Flags of a quiet headless Chromium for tests and benchmarks: no sandbox (containers), no GPU, no QUIC,
 * and none of the first-run, update, sync and background traffic that would add noise to timings.
 */
export const HEADLESS_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** Launches the Chromium findChromium() finds (headless unless options say otherwise). */
export async function launchChromium(options: LaunchOptions = {}): Promise<Browser> {
  const executablePath = findChromium();
  if (!executablePath) throw new Error(noChromiumMessage());
  return chromium.launch({ ...options, executablePath });
}

/**
 * The API access token of the dashboard session signed in on `page`: what the dashboard itself does,
 * a refresh through its httpOnly cookie (for a test or benchmark calling the API as that user).
 */
export function sessionToken(page: Page): Promise<string> {
  return page.evaluate(async () => {
    const r = await fetch('/v1/auth/refresh', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{}',
    });
    return ((await r.json()) as { access_token: string }).access_token;
  });
}
