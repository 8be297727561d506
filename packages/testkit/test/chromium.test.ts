import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findChromium, noChromiumMessage } from '@beacon/testkit';

// The order findChromium() looks in, on real files: executables made in a temporary folder.
let dir: string;
function exe(rel: string): string {
  const p = join(dir, rel);
  mkdirSync(join(p, '..'), { recursive: true });
  writeFileSync(p, '#!/bin/sh\n');
  chmodSync(p, 0o755);
  return p;
}

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'beacon-chromium-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('findChromium', () => {
  it('takes CHROMIUM_PATH first, then the PATH, then playwright’s cache', () => {
    const set = exe('custom/chrome');
    const onPath = exe('bin/chromium-browser');
    const cached = exe('pw/chromium-1200/chrome-linux64/chrome');
    const env = { PATH: join(dir, 'bin'), PLAYWRIGHT_BROWSERS_PATH: join(dir, 'pw') };
    expect(findChromium({ ...env, CHROMIUM_PATH: set })).toBe(set);
    expect(findChromium(env)).toBe(onPath);
    expect(findChromium({ ...env, PATH: join(dir, 'nothing') })).toBe(cached);
  });

  it('prefers chromium over google-chrome in one folder, and the newest cached revision', () => {
    exe('bin/google-chrome');
    const chromium = exe('bin/chromium');
    expect(findChromium({ PATH: join(dir, 'bin'), PLAYWRIGHT_BROWSERS_PATH: join(dir, 'pw') })).toBe(
      chromium,
    );
    exe('pw/chromium-999/chrome-linux/chrome');
    const newest = exe('pw/chromium-1100/chrome-linux64/chrome');
    expect(findChromium({ PATH: '', PLAYWRIGHT_BROWSERS_PATH: join(dir, 'pw') })).toBe(newest);
  });

  it('finds nothing without one, and a CHROMIUM_PATH that is no executable is not silently replaced', () => {
    const notExecutable = join(dir, 'chrome.txt');
    writeFileSync(notExecutable, '');
    exe('bin/chromium');
    const env = { PATH: join(dir, 'bin'), PLAYWRIGHT_BROWSERS_PATH: join(dir, 'pw') };
    expect(findChromium({ ...env, CHROMIUM_PATH: notExecutable })).toBeNull();
    expect(noChromiumMessage({ ...env, CHROMIUM_PATH: notExecutable })).toContain(
      `CHROMIUM_PATH=${notExecutable} is not an executable file.`,
    );
    const none = { PATH: join(dir, 'empty'), PLAYWRIGHT_BROWSERS_PATH: join(dir, 'pw') };
    expect(findChromium(none)).toBeNull();
    const message = noChromiumMessage(none);
    for (const how of ['apt-get install chromium', 'npx playwright@', 'install chromium', 'CHROMIUM_PATH='])
      expect(message).toContain(how);
  });
});
