import { mkdir, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';

const RESULTS_DIR = fileURLToPath(new URL('../results/', import.meta.url));

export interface Figure {
  name: string;
  value: number;
  unit: string;
  /** value ÷ the baseline measured in the same run (higher is better for throughput). */
  ratio?: number;
  baseline?: string;
}

export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

export function percentile(xs: readonly number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  if (s.length === 0) return NaN;
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))]!;
}

/** Prints a benchmark's figures and writes them as JSON to bench/results/<name>.json. */
export async function report(
  name: string,
  figures: Figure[],
  extra: Record<string, unknown> = {},
): Promise<void> {
  console.log(`\n== ${name} ==`);
  for (const f of figures) {
    const ratio = f.ratio === undefined ? '' : `   ratio ${f.ratio.toFixed(2)}x ${f.baseline ?? ''}`;
    console.log(`${f.name.padEnd(48)} ${formatNumber(f.value).padStart(12)} ${f.unit}${ratio}`);
  }
  await mkdir(RESULTS_DIR, { recursive: true });
  const body = { name, at: new Date().toISOString(), node: process.version, figures, ...extra };
  await writeFile(`${RESULTS_DIR}${name}.json`, `${JSON.stringify(body, null, 2)}\n`);
}

function formatNumber(v: number): string {
  return Number.isInteger(v)
    ? v.toLocaleString('en-US')
    : v.toLocaleString('en-US', { maximumFractionDigits: 2 });
}
