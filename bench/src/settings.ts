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
