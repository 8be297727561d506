import { getConfig, type Config } from '@beacon/config';
import { createPool, type Pool } from '@beacon/db';

/** What a command needs, created lazily so `beacon --help` touches no database. */
export interface CliContext {
  config(): Config;
  pool(): Pool;
  /** Prints a result: JSON with --json, else the human text. */
  out(human: string, json: unknown): void;
  json: boolean;
  close(): Promise<void>;
}

export function createContext(json: boolean): CliContext {
  let pool: Pool | undefined;
  return {
    json,
    config: getConfig,
    pool() {
      const cfg = getConfig();
      pool ??= createPool({ databaseUrl: cfg.core.databaseUrl, applicationName: 'beacon-cli', max: 2 });
      return pool;
    },
    out(human, value) {
      process.stdout.write(json ? `${JSON.stringify(value, null, 2)}\n` : `${human}\n`);
    },
    async close() {
      await pool?.end();
    },
  };
}

/** An error the user can fix: printed as one line without a stack, exit code 1. */
export class UserError extends Error {
  override readonly name = 'UserError';
}

/**
 * A command used wrongly (a bad or missing argument): printed as one line with a pointer to --help,
 * exit code 2, like commander's own usage errors. Failures of a well-formed command are UserErrors (1).
 */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}
