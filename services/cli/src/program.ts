import { Command, CommanderError } from 'commander';
import { ConfigError } from '@beacon/config';
import { MigrationError } from '@beacon/db';
import { createContext, UsageError, UserError, type CliContext } from './context.js';
import { registerAgency } from './commands/agency.js';
import { registerCompanies } from './commands/companies.js';
import { registerConfig } from './commands/config.js';
import { registerHealthcheck } from './commands/healthcheck.js';
import { registerImport } from './commands/import.js';
import { registerMigrate } from './commands/migrate.js';
import { registerServe } from './commands/serve.js';
import { registerDeadLetters } from './commands/dead-letters.js';
import { registerDemo } from './commands/demo.js';
import { registerSetup } from './commands/setup.js';
import { registerSite } from './commands/site.js';
import { registerStart } from './commands/start.js';
import { registerStorage } from './commands/storage.js';
import { registerUser } from './commands/user.js';
import { registerRollups } from './commands/rollups.js';
import { registerPrivacy } from './commands/privacy.js';
import { registerAudit } from './commands/audit.js';

/** Builds the `beacon` program. Each command group registers itself from its own module. */
export function buildProgram(): { program: Command; context: () => CliContext } {
  const program = new Command('beacon')
    .description('Beacon: self-hosted web analytics and B2B visitor identification')
    .option('--json', 'print results as JSON')
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride();
  let ctx: CliContext | undefined;
  const context = () => (ctx ??= createContext(Boolean(program.opts().json)));

  registerMigrate(program, context);
  registerAgency(program, context);
  registerSite(program, context);
  registerUser(program, context);
  registerStorage(program, context);
  registerCompanies(program, context);
  registerDeadLetters(program, context);
  registerImport(program, context);
  registerRollups(program, context);
  registerPrivacy(program, context);
  registerAudit(program, context);
  registerConfig(program);
  registerServe(program, context);
  registerStart(program, context);
  registerDemo(program, context);
  registerSetup(program, context);
  registerHealthcheck(program, context);
  return { program, context };
}

/** Runs the CLI; returns the exit code instead of exiting, so tests can call it in-process. */
export async function runCli(argv: readonly string[]): Promise<number> {
  const { program, context } = buildProgram();
  try {
    await program.parseAsync(argv as string[], { from: 'user' });
    return 0;
  } catch (err) {
    return reportError(err);
  } finally {
    await context()
      .close()
      .catch(() => undefined);
  }
}

/** Exit codes (README, "The beacon command"): 0 done, 1 failed, 2 used wrongly, 78 bad environment. */
export const EXIT = { ok: 0, failure: 1, usage: 2, config: 78 } as const;

function reportError(err: unknown): number {
  if (err instanceof CommanderError) {
    // commander already printed the message (or the help/version text).
    return err.exitCode === 0 ? 0 : EXIT.usage;
  }
  if (err instanceof UsageError) {
    process.stderr.write(`error: ${err.message}\n(run with --help for usage)\n`);
    return EXIT.usage;
  }
  if (err instanceof UserError) {
    process.stderr.write(`error: ${err.message}\n`);
    return 1;
  }
  if (err instanceof ConfigError) {
    process.stderr.write(`${err.message}\n`);
    return 78;
  }
  if (err instanceof MigrationError) {
    process.stderr.write(`error: ${err.message}\n`);
    return 1;
  }
  const code = (err as { code?: string }).code;
  if (code === 'EADDRINUSE') {
    process.stderr.write(
      `error: ${(err as Error).message}: another process uses that port.\n` +
        'Stop it, or choose other ports (COLLECTOR_PORT, COLLECTOR_OPS_PORT, API_PORT, API_OPS_PORT, ENRICHER_METRICS_PORT, WRITER_METRICS_PORT, DEMO_PORT).\n',
    );
    return 1;
  }
  if (code === 'ECONNREFUSED' || code === '3D000' || code === '28000') {
    process.stderr.write(
      `error: cannot reach PostgreSQL (${(err as Error).message}).\n` +
        'Check DATABASE_URL, and start PostgreSQL if it is down, e.g.\n' +
        '  pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start\n',
    );
    return 1;
  }
  process.stderr.write(`error: ${(err as Error)?.stack ?? String(err)}\n`);
  return 1;
}
