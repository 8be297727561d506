// The npm package: `npm pack --dry-run` lists exactly the built scripts, the node helper, the types,
// and licence / README; the window.beacon types compile a usage file with tsc (and reject a wrong one).
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const pkgDir = fileURLToPath(new URL('..', import.meta.url));
const require = createRequire(import.meta.url);

test('npm pack holds the built scripts, the types, licence, notice and README, and nothing else', () => {
  const out = execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], {
    cwd: pkgDir,
    encoding: 'utf8',
  });
  const [info] = JSON.parse(out) as { name: string; files: { path: string }[] }[];
  expect(info!.name).toBe('@beacon-analytics/tracker');
  expect(info!.files.map((f) => f.path).sort()).toEqual([
    'LICENSE',
    'NOTICE',
    'README.md',
    'dist/beacon-extras.js',
    'dist/beacon-vitals.js',
    'dist/beacon.js',
    'dist/index.d.ts',
    'dist/index.js',
    'package.json',
    'types/beacon.d.ts',
  ]);
});

function tsc(usage: string): { status: number | null; out: string } {
  const dir = mkdtempSync(join(tmpdir(), 'beacon-types-'));
  writeFileSync(
    join(dir, 'usage.ts'),
    `/// <reference path="${join(pkgDir, 'types/beacon.d.ts')}" />\n${usage}\n`,
  );
  const r = spawnSync(
    process.execPath,
    [
      require.resolve('typescript/bin/tsc'),
      '--noEmit',
      '--strict',
      '--lib',
      'ES2022,DOM',
      join(dir, 'usage.ts'),
    ],
    { encoding: 'utf8' },
  );
  return { status: r.status, out: r.stdout + r.stderr };
}

test('window.beacon types: the documented calls compile', () => {
  const r = tsc(`
window.beacon?.track('signup', { plan: 'pro', seats: 3 });
window.beacon?.page({ section: 'docs' });
void window.beacon?.identify('user-42', { email: 'a@example.com', phone: '+1 555' });
window.beacon?.consent(true);
window.beacon?.flush();
window.beacon?.purchase?.({ transaction_id: 'T-1', value: 99.5, currency: 'EUR', items: [] });
void window.beacon?.lead?.({ email: 'a@example.com', company: 'Acme' });
window.beacon?.('track', 'early');
`);
  expect(r.out).toBe('');
  expect(r.status).toBe(0);
});

test('window.beacon types: a wrong call does not compile', () => {
  const r = tsc(`window.beacon?.track(42);\nwindow.beacon?.consent('yes');`);
  expect(r.status).not.toBe(0);
  expect(r.out).toMatch(/TS2345/);
});
