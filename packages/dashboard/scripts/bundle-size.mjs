#!/usr/bin/env node
// Size of the dashboard's first load: the entry chunk, the chunks it imports statically and its CSS,
// gzipped (what a browser downloads before the first page shows). Printed by the build, written to
// dist/bundle-size.json, and checked against the budget by test/bundle-size.test.ts.
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

export const BUDGET_GZIP_BYTES = 250 * 1024;

/** @param {string} dist */
export function firstLoad(dist) {
  const manifest = JSON.parse(readFileSync(path.join(dist, '.vite', 'manifest.json'), 'utf8'));
  const entry = Object.values(manifest).find((c) => c.isEntry);
  if (!entry) throw new Error('no entry chunk in the Vite manifest');
  const files = new Set();
  const visit = (chunk) => {
    if (files.has(chunk.file)) return;
    files.add(chunk.file);
    for (const css of chunk.css ?? []) files.add(css);
    for (const key of chunk.imports ?? []) visit(manifest[key]);
  };
  visit(entry);
  const parts = [...files, 'index.html'].map((file) => {
    const bytes = readFileSync(path.join(dist, file));
    return { file, bytes: bytes.length, gzip: gzipSync(bytes, { level: 9 }).length };
  });
  const gzip = parts.reduce((s, p) => s + p.gzip, 0);
  const bytes = parts.reduce((s, p) => s + p.bytes, 0);
  return { files: parts, bytes, gzip, budget: BUDGET_GZIP_BYTES, withinBudget: gzip <= BUDGET_GZIP_BYTES };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  const dist = fileURLToPath(new URL('../dist/', import.meta.url));
  const r = firstLoad(dist);
  writeFileSync(path.join(dist, 'bundle-size.json'), JSON.stringify(r, null, 2));
  const kb = (n) => `${(n / 1024).toFixed(1)} KB`;
  for (const p of r.files)
    console.log(`  ${p.file.padEnd(40)} ${kb(p.bytes).padStart(10)}  gzip ${kb(p.gzip)}`);
  console.log(
    `dashboard first load: ${kb(r.bytes)}, ${kb(r.gzip)} gzipped (budget ${kb(r.budget)} gzipped)${r.withinBudget ? '' : '  OVER BUDGET'}`,
  );
}
