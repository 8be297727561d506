import type { Setting } from './setting.js';
import { settings } from './settings/index.js';

type Groups = typeof settings;
type ValueOf<S> = S extends Setting<infer T> ? T : never;

/** The typed configuration: `config.collector.port`, `config.core.databaseUrl`, ... */
export type Config = {
  readonly [G in keyof Groups]: { readonly [K in keyof Groups[G]]: ValueOf<Groups[G][K]> };
};

export type Env = Readonly<Record<string, string | undefined>>;

/** Raised when variables are missing or malformed; its message names every bad variable. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  constructor(readonly problems: readonly { env: string; message: string }[]) {
    super(
      `Invalid configuration:\n${problems.map((p) => `  ${p.env}: ${p.message}`).join('\n')}\n` +
        'See .env.example for every variable, its default and its meaning.',
    );
  }
}

type Problem = { env: string; message: string };

/** Reads one group of settings from `env`, adding what is wrong to `problems`. */
function readGroup(
  defs: Record<string, Setting<unknown>>,
  env: Env,
  problems: Problem[],
): Record<string, unknown> {
  const values: Record<string, unknown> = {};
  for (const [key, def] of Object.entries(defs)) {
    const raw = env[def.env];
    if (raw === undefined || raw === '') {
      if (def.default === undefined) problems.push({ env: def.env, message: 'is required' });
      values[key] = def.default;
      continue;
    }
    const parsed = def.parse.safeParse(raw);
    if (parsed.success) values[key] = parsed.data;
    // The value itself is never repeated: it may be a password (DATABASE_URL) or a secret, and
    // this message goes to logs and terminals.
    else problems.push({ env: def.env, message: parsed.error.issues.map((i) => i.message).join('; ') });
  }
  return values;
}

/** Parses every setting from `env` (not cached: tests pass their own env). */
export function parseConfig(env: Env = process.env): Config {
  const problems: Problem[] = [];
  const out: Record<string, Record<string, unknown>> = {};
  for (const [group, defs] of Object.entries(settings))
    out[group] = readGroup(defs as Record<string, Setting<unknown>>, env, problems);
  if (problems.length > 0) throw new ConfigError(problems);
  return out as Config;
}

/**
 * Parses a group of settings declared outside the product's own (the benchmarks' BENCH_* knobs) with
 * the same parsers and the same ConfigError, so a typo stops the run instead of becoming NaN.
 */
export function parseSettings<G extends Record<string, Setting<unknown>>>(
  defs: G,
  env: Env = process.env,
): { readonly [K in keyof G]: ValueOf<G[K]> } {
  const problems: Problem[] = [];
  const values = readGroup(defs, env, problems);
  if (problems.length > 0) throw new ConfigError(problems);
  return values as { readonly [K in keyof G]: ValueOf<G[K]> };
}

let cached: Config | undefined;

/** The process's configuration, parsed once from process.env on first use. */
export function getConfig(): Config {
  cached ??= parseConfig(process.env);
  return cached;
}

/**
 * Parses the configuration at start-up; on a bad value prints which variable is wrong and exits
 * with code 78 (EX_CONFIG) instead of starting half-configured.
 */
export function loadConfigOrExit(): Config {
  try {
    return getConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n`);
      process.exit(78);
    }
    throw err;
  }
}

/** Reads `.env` from the working directory into process.env when present (variables already set win). */
export function loadDotEnv(path = '.env'): void {
  try {
    process.loadEnvFile(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
}
