// Lists production functions longer than a limit (default 80 lines), from the TypeScript AST of every
// tracked .ts/.tsx file under packages/*/src and services/*/src (tests, benchmarks and generated files
// are not production code). Used by packages/testkit/test/code-shape.test.ts and by hand:
//   node scripts/long-functions.mjs [limit]
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
const ts = require('typescript');
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** Tracked production sources: the src folders of the workspace's packages and services. */
export function productionSources() {
  const out = execFileSync('git', ['ls-files', '-z', '--', '*.ts', '*.tsx'], { cwd: root, encoding: 'utf8' });
  return out
    .split('\0')
    .filter((f) => /^(packages|services)\/[^/]+\/src\//.test(f))
    .filter((f) => !f.endsWith('.d.ts') && !/\.(test|spec)\.tsx?$/.test(f));
}

function nameOf(node, sf) {
  return rawName(node, sf).replace(/\s+/g, ' ');
}

function rawName(node, sf) {
  if (node.name) return node.name.getText(sf);
  const parent = node.parent;
  if (parent && ts.isVariableDeclaration(parent)) return parent.name.getText(sf);
  if (parent && ts.isPropertyAssignment(parent)) return parent.name.getText(sf);
  if (parent && ts.isCallExpression(parent))
    return `callback of ${parent.expression.getText(sf).slice(0, 40)}`;
  return '(anonymous)';
}

/** Functions (declarations, methods, arrows, function expressions) over `limit` lines, longest first. */
export function longFunctions(limit = 80) {
  const found = [];
  for (const file of productionSources()) {
    const text = readFileSync(path.join(root, file), 'utf8');
    const kind = file.endsWith('.tsx') ? ts.ScriptKind.TSX : ts.ScriptKind.TS;
    const sf = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true, kind);
    const visit = (node) => {
      if (ts.isFunctionLike(node) && node.body) {
        const start = sf.getLineAndCharacterOfPosition(node.getStart(sf)).line;
        const end = sf.getLineAndCharacterOfPosition(node.getEnd()).line;
        const lines = end - start + 1;
        if (lines > limit) found.push({ file, line: start + 1, lines, name: nameOf(node, sf) });
      }
      ts.forEachChild(node, visit);
    };
    visit(sf);
  }
  return found.sort((a, b) => b.lines - a.lines);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const limit = Number(process.argv[2] ?? 80);
  const found = longFunctions(limit);
  for (const f of found) console.log(`${f.lines}\t${f.file}:${f.line}\t${f.name}`);
  console.log(`${found.length} production functions over ${limit} lines`);
}
