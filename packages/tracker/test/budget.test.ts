// The size budget of the built tracker files (issue: core ≤ 2 KB gzipped). Reads the output of
// `pnpm build` (tsc + scripts/bundle.mjs): run the build first. Nothing here is faked.
import { readFileSync, statSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { TRACKER_BUDGETS_GZIP, trackerFiles } from '@beacon-analytics/tracker';

const files = trackerFiles();

describe('tracker build size', () => {
  test.each(Object.keys(files) as (keyof typeof files)[])('%s file is within its gzip budget', (name) => {
    const code = readFileSync(files[name]);
    const gzipped = gzipSync(code).length;
    expect(code.length).toBeGreaterThan(500); // a real bundle, not an empty file
    expect(gzipped).toBeLessThanOrEqual(TRACKER_BUDGETS_GZIP[name]);
  });

  test('core stays at most 2 KB gzipped (the budget itself cannot creep up)', () => {
    expect(TRACKER_BUDGETS_GZIP.core).toBeLessThanOrEqual(2048);
  });

  test('the built files are newer than their browser sources (the build ran)', () => {
    const src = ['core.ts', 'extras.ts', 'types.ts'].map(
      (f) => statSync(new URL(`../browser/${f}`, import.meta.url)).mtimeMs,
    );
    for (const path of Object.values(files))
      expect(statSync(path).mtimeMs).toBeGreaterThanOrEqual(Math.max(...src) - 1000);
  });

  test('the build is a self-contained IIFE that keeps no source comments or node code', () => {
    const core = readFileSync(files.core, 'utf8');
    expect(core.startsWith('(()=>{')).toBe(true);
    expect(core).not.toMatch(/require\(|import\s|process\.env|\/\*\*/);
  });
});
