import { parsers as p, parseSettings, setting } from '@beacon/config';

/**
 * The benchmarks' BENCH_* knobs, read with the config package's parsers (parseSettings): a typo such as
 * BENCH_ROWS=2e6x stops the run with the variable's name instead of benchmarking NaN rows.
 */
export { parseSettings as benchSettings };

/** A whole number knob (rows, runs, seconds, connections) in [min, max]. */
export const count = (env: string, defaultValue: number, doc: string, min = 1, max = 1_000_000_000) =>
  setting(env, p.int(min, max), defaultValue, doc);

/** A yes/no knob (1/0, true/false, yes/no, on/off). */
export const flag = (env: string, defaultValue: boolean, doc: string) =>
  setting(env, p.bool(), defaultValue, doc);

/** BENCH_RUNS: how many timed runs a benchmark takes the median of. */
export const runs = (defaultValue: number) =>
  count('BENCH_RUNS', defaultValue, 'timed runs (the median is reported)');

/** BENCH_KEEP_DB: keep the generated database for a look afterwards. */
export const keepDb = () => flag('BENCH_KEEP_DB', false, 'keep the generated database after the run');

/** BENCH_REUSE_DB: run on a database an earlier run kept (BENCH_KEEP_DB), migrated, without seeding. */
export const reuseDb = () =>
  setting(
    'BENCH_REUSE_DB',
    p.string({ max: 63 }),
    '',
    'database kept by an earlier run to reuse (no seeding)',
  );

/** BENCH_BASELINE_DIR: a built checkout of another commit to measure in the same run (bench/src/baseline.ts). */
export const baselineDir = () =>
  setting('BENCH_BASELINE_DIR', p.string({ max: 4096 }), '', 'built checkout measured as the baseline');
