import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * A clone must pass on its own: no tracked file may refer to a path outside the repository (a sibling
 * data folder, this machine's absolute paths, someone's home) or, in code, to a browser by its path.
 * Scans what `git ls-files` lists,
 * i.e. exactly what a clone holds.
 */
const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

// Spelled in pieces so that this file does not match itself.
const SHARED = ['..', 'shared'].join('/');
/** Absolute paths of a machine: the work folder, a home folder (Linux, root, macOS, Windows). */
const ABSOLUTE = new RegExp(
  String.raw`(?<![\w.~-])(?:/${'work'}/|/${'home'}/[a-z_][\w-]*|/${'root'}/|/${'Users'}/\w|[A-Za-z]:\\${'Users'}\\)`,
);
/** A relative path that climbs: ../x, ../../x/y ... */
const CLIMBING = /(?<![\w.])(?:\.\.\/)+[\w.@-][^\s'"`)\]>,;]*/g;

/**
 * A browser named by path, in code: a fresh machine may have none there. Browser tests launch through
 * testkit's launchChromium (CHROMIUM_PATH, the PATH, playwright's cache), the one file allowed to set it.
 */
const BROWSER_PATH = new RegExp(String.raw`executable${'Path'}\s*:|/usr/bin/(?:chromium|google-chrome)`);
const BROWSER_FINDER = 'packages/testkit/src/chromium.ts';
const CODE = /\.(?:[cm]?[jt]sx?)$/;

/** Files whose `../` paths are relative to something other than the file itself. */
const RELATIVE_TO_ELSEWHERE = new Set(['pnpm-lock.yaml']); // link: paths, relative to each importer

/** The references to paths outside the repository in one file's text (`file` relative to the root). */
export function outsideReferences(file: string, text: string): string[] {
  const found: string[] = [];
  text.split('\n').forEach((line, i) => {
    const at = `${file}:${i + 1}`;
    const abs = ABSOLUTE.exec(line);
    if (abs) found.push(`${at} ${abs[0]}`);
    if (line.includes(SHARED)) found.push(`${at} ${SHARED}`);
    const browser = CODE.test(file) && file !== BROWSER_FINDER ? BROWSER_PATH.exec(line) : null;
    if (browser) found.push(`${at} ${browser[0]}`);
    if (RELATIVE_TO_ELSEWHERE.has(file)) return;
    for (const m of line.matchAll(CLIMBING)) {
      const target = relative(ROOT, resolve(ROOT, dirname(file), m[0]));
      if (target.startsWith('..')) found.push(`${at} ${m[0]}`);
    }
  });
  return found;
}

function trackedFiles(): string[] {
  try {
    return execFileSync('git', ['ls-files', '-z'], { cwd: ROOT, encoding: 'utf8' })
      .split('\0')
      .filter((f) => f && existsSync(join(ROOT, f)));
  } catch {
    // Not a git checkout (an unpacked archive): every file but installed and built ones.
    const skip = new Set(['.git', 'node_modules', 'dist', '.tools', 'coverage']);
    const walk = (dir: string): string[] =>
      readdirSync(join(ROOT, dir), { withFileTypes: true }).flatMap((e) =>
        skip.has(e.name) ? [] : e.isDirectory() ? walk(join(dir, e.name)) : [join(dir, e.name)],
      );
    return walk('');
  }
}

describe('the repository is self-contained', () => {
  it('the check finds what it must find', () => {
    const up4 = '../'.repeat(4);
    expect(outsideReferences('services/x/test/a.ts', `new URL('${up4}shared/data/', u)`)).toHaveLength(2);
    expect(outsideReferences('docs/a.md', `see ${SHARED}/data/README.md`)).toHaveLength(1);
    expect(outsideReferences('a.ts', `const p = '/${'work'}/main/x';`)).toHaveLength(1);
    expect(outsideReferences('a.ts', `const p = '/${'home'}/alice/data';`)).toHaveLength(1);
    expect(outsideReferences('a.ts', `const p = '/${'root'}/.cache/x';`)).toHaveLength(1);
    expect(outsideReferences('packages/a/b.ts', "import x from '../../../outside.js';")).toHaveLength(1);
    // A hard-coded browser, in any test but the one finder.
    const pinned = `chromium.launch({ executable${'Path'}: '/usr/bin/${'chromium'}' })`;
    expect(outsideReferences('packages/a/test/b.test.ts', pinned)).toHaveLength(1);
    expect(outsideReferences('bench/x.ts', `const c = '/usr/bin/${'google-chrome'}';`)).toHaveLength(1);
    expect(outsideReferences(BROWSER_FINDER, `launch({ ...o, executable${'Path'} })`)).toEqual([]);
    // Inside the repository, URLs and system paths are fine.
    expect(outsideReferences('packages/a/b.ts', "import x from '../../services/y.js';")).toEqual([]);
    expect(outsideReferences('docs/a.md', 'https://example.com/home/x and /usr/bin/env, /tmp/x')).toEqual([]);
  });

  it('no tracked file refers to a path outside the repository', () => {
    const files = trackedFiles();
    expect(files.length).toBeGreaterThan(100);
    expect(files).toContain('packages/testkit/fixtures/README.md');
    const found = files.flatMap((f) => {
      const buf = readFileSync(join(ROOT, f));
      return buf.includes(0) ? [] : outsideReferences(f, buf.toString('utf8'));
    });
    expect(found).toEqual([]);
  });
});
