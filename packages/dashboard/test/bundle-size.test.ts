import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
// @ts-expect-error: a plain .mjs build script (no types)
import { BUDGET_GZIP_BYTES, firstLoad } from '../scripts/bundle-size.mjs';

// The dashboard's first load (entry chunk, its static imports, CSS, index.html), gzipped, stays under
// the budget. Needs the build (`pnpm build` runs it).
const dist = fileURLToPath(new URL('../dist/', import.meta.url));

test('the built dashboard exists and its first load is under 250 KB gzipped', () => {
  expect(existsSync(`${dist}index.html`)).toBe(true);
  const r = firstLoad(dist) as { gzip: number; files: { file: string }[] };
  expect(BUDGET_GZIP_BYTES).toBe(250 * 1024);
  expect(r.files.some((f) => f.file.endsWith('.js'))).toBe(true);
  expect(r.gzip).toBeLessThanOrEqual(BUDGET_GZIP_BYTES);
});
