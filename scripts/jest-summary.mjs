#!/usr/bin/env node
// Reads jest's JSON report and prints one line `N passed, N failed`. Suites that failed to run (a
// syntax error, a crash in set-up) count as failed tests, so a broken file can never read as green.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export function summarize(path) {
  let r;
  try {
    r = JSON.parse(readFileSync(path, 'utf8'));
  } catch {
    return { passed: 0, failed: 1, line: '0 passed, 1 failed' };
  }
  const passed = r.numPassedTests ?? 0;
  const brokenSuites = (r.testResults ?? []).filter(
    (s) => s.status === 'failed' && (s.assertionResults ?? []).every((a) => a.status !== 'failed'),
  ).length;
  const failed =
    (r.numFailedTests ?? 0) +
    brokenSuites +
    (r.numRuntimeErrorTestSuites && !brokenSuites ? r.numRuntimeErrorTestSuites : 0);
  const skipped = (r.numPendingTests ?? 0) + (r.numTodoTests ?? 0);
  return {
    passed,
    failed,
    line: `${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`,
  };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  console.log(summarize(process.argv[2] ?? '.jest-report.json').line);
}
