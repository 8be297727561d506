#!/usr/bin/env node
// Second step of the tracker's build (after the workspace's `tsc -b`): type-checks the browser sources
// (DOM lib, no node types), bundles and minifies them with esbuild into dist/beacon.js and
// dist/beacon-extras.js, and prints each file's raw and gzipped size against its budget.
// The budget is enforced by packages/tracker/test/budget.test.ts, not here: a build that is over
// budget still produces files a developer can inspect.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';

const pkg = fileURLToPath(new URL('..', import.meta.url));
const require = createRequire(import.meta.url);
const { trackerFiles, TRACKER_BUDGETS_GZIP } = await import('../dist/index.js');

execFileSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', `${pkg}browser/tsconfig.json`], {
  stdio: 'inherit',
});

const files = trackerFiles();
const entries = {
  core: `${pkg}browser/core.ts`,
  extras: `${pkg}browser/extras.ts`,
  vitals: `${pkg}browser/vitals.ts`,
};
for (const [name, entry] of Object.entries(entries)) {
  await build({
    entryPoints: [entry],
    outfile: files[name],
    bundle: true,
    minify: true,
    format: 'iife',
    // Optional chaining and ?? are native from here on (Chrome 80, Firefox 74, Safari 13.1).
    target: ['es2020'],
    legalComments: 'none',
    // The IIFE needs no "use strict" prologue (TypeScript's strict checks still run in the type-check above).
    tsconfigRaw: { compilerOptions: { alwaysStrict: false } },
    logLevel: 'warning',
  });
}

for (const name of Object.keys(entries)) {
  const code = readFileSync(files[name]);
  const gz = gzipSync(code).length;
  const budget = TRACKER_BUDGETS_GZIP[name];
  const mark = gz > budget ? 'OVER BUDGET' : 'ok';
  console.log(
    `tracker ${name.padEnd(6)} ${String(code.length).padStart(6)} B raw  ${String(gz).padStart(5)} B gzip  (budget ${budget} B gzip: ${mark})`,
  );
}
