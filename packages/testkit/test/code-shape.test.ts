// The shape docs/design.md asks of production code: no function over 80 lines (scripts/long-functions.mjs
// reads every tracked source under packages/*/src and services/*/src with the TypeScript parser).
// @ts-expect-error: a plain ES module of the repository's scripts, without types.
import { longFunctions, productionSources } from '../../../scripts/long-functions.mjs';

test('the check reads the production sources', () => {
  const files = productionSources() as string[];
  expect(files).toContain('services/collector/src/app.ts');
  expect(files.some((f) => f.includes('/test/'))).toBe(false);
});

test('no production function is over 80 lines', () => {
  const long = (longFunctions(80) as { file: string; line: number; lines: number; name: string }[]).map(
    (f) => `${f.file}:${f.line} ${f.name} (${f.lines} lines)`,
  );
  expect(long).toEqual([]);
});

test('a function over the limit is found (the check can fail)', () => {
  const found = longFunctions(20) as { lines: number }[];
  expect(found.length).toBeGreaterThan(0);
  expect(found.every((f) => f.lines > 20)).toBe(true);
});
