import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { renderSnippet } from '@beacon/schema';

const root = fileURLToPath(new URL('../../../', import.meta.url));

describe('renderSnippet', () => {
  test('the script tag with the site and the collector script URL, attribute values escaped', () => {
    expect(
      renderSnippet('abc123def456', { publicUrl: 'https://c.example.org/', scriptPath: '/v1/beacon.js' }),
    ).toBe('<script defer data-site="abc123def456" src="https://c.example.org/v1/beacon.js"></script>');
    expect(
      renderSnippet('a"b', { publicUrl: 'https://c.example.org/x?a=1&b=2', scriptPath: '/s/app.js' }),
    ).toBe('<script defer data-site="a&quot;b" src="https://c.example.org/x?a=1&amp;b=2/s/app.js"></script>');
  });

  test('follows COLLECTOR_SCRIPT_PATH (a collector under neutral paths)', () => {
    expect(renderSnippet('s1', { publicUrl: 'http://localhost:8080', scriptPath: '/s/app.js' })).toContain(
      'src="http://localhost:8080/s/app.js"',
    );
  });
});

/** Production sources (not tests, not builds) of every package and service. */
function sources(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    if (name === 'node_modules' || name === 'dist' || name === 'test') continue;
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...sources(path));
    else if (/\.(ts|tsx|mjs|js)$/.test(name)) out.push(path);
  }
  return out;
}

test('there is one snippet renderer: no other production module writes a data-site tag', () => {
  const files = ['packages', 'services'].flatMap((top) =>
    readdirSync(join(root, top)).flatMap((pkg) => {
      const src = join(root, top, pkg, 'src');
      try {
        return sources(src);
      } catch {
        return [];
      }
    }),
  );
  expect(files.length).toBeGreaterThan(50);
  const writers = files
    .filter((f) => /data-site=/.test(readFileSync(f, 'utf8')))
    .map((f) => relative(root, f));
  expect(writers).toEqual(['packages/schema/src/snippet.ts']);
});
