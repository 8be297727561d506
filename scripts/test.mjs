#!/usr/bin/env node
// The README's test command (`npm test`): installs what is missing, builds the whole tree, runs every
// jest test against the machine's real PostgreSQL and Redis, and prints `N passed, N failed` from
// jest's JSON report. Extra arguments go to jest (a path, -t pattern, ...).
import { spawnSync } from 'node:child_process';
import { installAndBuild, root } from './bootstrap.mjs';
import { summarize } from './jest-summary.mjs';

installAndBuild();
const report = `${root}.jest-report.json`;
const jest = spawnSync(
  process.execPath,
  [
    '--experimental-vm-modules',
    '--no-warnings=ExperimentalWarning',
    'node_modules/jest/bin/jest.js',
    '--json',
    `--outputFile=${report}`,
    ...process.argv.slice(2),
  ],
  { cwd: root, stdio: 'inherit' },
);
console.log(summarize(report).line);
process.exit(jest.status ?? 1);
