#!/usr/bin/env node
// The README's test command (`npm test`): installs what is missing, builds the whole tree, runs every
// jest test against the machine's real PostgreSQL and Redis, and prints `N passed, N failed` from
// jest's JSON report. Extra arguments go to jest (a path, -t pattern, ...). Without a Chromium for the
// browser tests it stops before jest with one message saying how to get one (instead of dozens of
// failures); a run limited to tests that need no browser goes ahead.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { installAndBuild, root } from './bootstrap.mjs';
import { summarize } from './jest-summary.mjs';

const JEST = [
  '--experimental-vm-modules',
  '--no-warnings=ExperimentalWarning',
  'node_modules/jest/bin/jest.js',
];
const jestArgs = process.argv.slice(2);

/** True when the test file, or a test helper it imports (relative imports), launches Chromium. */
function needsBrowser(file, seen = new Set()) {
  if (seen.has(file) || !existsSync(file)) return false;
  seen.add(file);
  const text = readFileSync(file, 'utf8');
  if (text.includes('launchChromium')) return true;
  return [...text.matchAll(/from '(\.{1,2}\/[^']+)\.js'/g)].some((m) =>
    needsBrowser(resolve(dirname(file), `${m[1]}.ts`), seen),
  );
}

function selectedTestsNeedBrowser() {
  if (jestArgs.length === 0) return true; // the whole suite has browser tests
  const r = spawnSync(process.execPath, [...JEST, '--listTests', ...jestArgs], {
    cwd: root,
    encoding: 'utf8',
  });
  return r.status !== 0 || r.stdout.split('\n').some((f) => f.trim() && needsBrowser(f.trim()));
}

installAndBuild();

const { findChromium, noChromiumMessage } = await import('../packages/testkit/dist/chromium.js');
if (!findChromium() && selectedTestsNeedBrowser()) {
  console.error(`\n${noChromiumMessage()}\n`);
  process.exit(1);
}

const report = `${root}.jest-report.json`;
const jest = spawnSync(process.execPath, [...JEST, '--json', `--outputFile=${report}`, ...jestArgs], {
  cwd: root,
  stdio: 'inherit',
});
console.log(summarize(report).line);
process.exit(jest.status ?? 1);
