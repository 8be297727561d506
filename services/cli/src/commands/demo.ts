import type { Command } from 'commander';
import { createLogger } from '@beacon/observability';
import type { CliContext } from '../context.js';
import { ensureDemoData } from '../demo/data.js';
import { DEFAULT_HISTORY } from '../demo/history.js';
import { seedDemoHistory, type SeedReport } from '../demo/seed.js';
import { intArg } from '../validate.js';

/** The demo page's origin, which the history's page URLs are on. */
export const demoOrigin = (port: number) => (port ? `http://localhost:${port}` : 'http://localhost');

export function describeSeed(r: SeedReport): string {
  return r.seeded
    ? `demo history written: ${r.inserted} events (${r.requests} requests) in ${(r.ms / 1000).toFixed(1)} s` +
        (r.companyRanges ? `; ${r.companyRanges} company ranges for the demo agency` : '')
    : 'the demo site already has its history: nothing written';
}

export function registerDemo(program: Command, ctx: () => CliContext): void {
  const demo = program.command('demo').description('the demo agency, site, login and history');
  demo
    .command('seed')
    .description(
      'create the demo agency, site and admin if missing, and give the demo site 30 days of history ' +
        '(once: a site that already has events older than a week is left alone)',
    )
    .option('--days <n>', `days of history (default ${DEFAULT_HISTORY.days})`, intArg('--days', 1, 400))
    .action(async (opts: { days?: number }) => {
      const c = ctx();
      const config = c.config();
      const data = await ensureDemoData(c.pool(), {
        collector: config.collector,
        origins: ['localhost', '127.0.0.1'],
      });
      if (data.password)
        process.stderr.write(
          `created the demo: login ${data.login.email}, password ${data.password} (shown once)\n`,
        );
      const report = await seedDemoHistory(c.pool(), config, {
        agencyId: data.agency.id,
        siteId: data.site.script_id,
        origin: demoOrigin(config.ops.demoPort),
        log: createLogger('demo', config.core.logLevel),
        ...(opts.days ? { days: opts.days } : {}),
      });
      c.out(describeSeed(report), { site: data.site, agency: data.agency, ...report });
    });
}
