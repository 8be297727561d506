#!/usr/bin/env node
import { alertsBench } from './benchmarks/alerts.js';
import { apiBench } from './benchmarks/api.js';
import { collectorBench } from './benchmarks/collector.js';
import { conversionsBench } from './benchmarks/conversions.js';
import { copyBench } from './benchmarks/copy.js';
import { dashboardBench } from './benchmarks/dashboard.js';
import { dedupeBench } from './benchmarks/dedupe.js';
import { e2eBench } from './benchmarks/e2e.js';
import { enricherBench } from './benchmarks/enricher.js';
import { importsBench } from './benchmarks/imports.js';
import { memoryBench } from './benchmarks/memory.js';
import { reportsBench } from './benchmarks/reports.js';
import { rollupsBench } from './benchmarks/rollups.js';
import { scoreDecayBench } from './benchmarks/score-decay.js';
import { writerBench } from './benchmarks/writer.js';

/**
 * `pnpm bench [name ...]`: runs the named benchmarks (all when none is named). Each prints its figures
 * with the ratio to a baseline measured in the same run and writes bench/results/<name>.json.
 */
const benchmarks: Record<string, () => Promise<void>> = {
  copy: copyBench,
  enricher: enricherBench,
  dedupe: dedupeBench,
  api: apiBench,
  collector: collectorBench,
  writer: writerBench,
  dashboard: dashboardBench,
  rollups: rollupsBench,
  conversions: conversionsBench,
  e2e: e2eBench,
  imports: importsBench,
  alerts: alertsBench,
  memory: memoryBench,
  reports: reportsBench,
  'score-decay': scoreDecayBench,
};

const wanted = process.argv.slice(2).filter((a) => !a.startsWith('-'));
const unknown = wanted.filter((w) => !(w in benchmarks));
if (unknown.length) {
  console.error(`unknown benchmark(s): ${unknown.join(', ')}; known: ${Object.keys(benchmarks).join(', ')}`);
  process.exit(2);
}
for (const name of wanted.length ? wanted : Object.keys(benchmarks)) await benchmarks[name]!();
