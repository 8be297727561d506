import type { Command } from 'commander';
import { createLogger } from '@beacon/observability';
import type { Config } from '@beacon/config';
import type { CliContext } from '../context.js';
import { ensureDemoData, type DemoData } from '../demo/data.js';
import { startDemoPage } from '../demo/page.js';
import { seedDemoHistory } from '../demo/seed.js';
import { ensureJwtSecret } from '../jwt-secret.js';
import { checkPostgres, checkRedis } from '../preflight.js';
import type { Running } from '@beacon/observability';
import { serveUntilSignal } from '../serve/serve.js';
import { START_ORDER } from '../serve/service-names.js';
import { demoOrigin, describeSeed } from './demo.js';
import { runMigrate } from './migrate.js';

/**
 * `beacon start`: the one command for a laptop or a demo. It checks PostgreSQL and Redis answer,
 * migrates, creates the demo agency/site/admin when missing, then runs the four services in this one
 * process (one Node process is plenty for a demo, gives one Ctrl-C one place to land, and interleaves
 * their logs on one terminal; production runs `beacon serve <service>` per process/container, see
 * docs/operations.md) and serves a demo page carrying the tracker.
 */
export function registerStart(program: Command, ctx: () => CliContext): void {
  program
    .command('start')
    .description(
      'check PostgreSQL and Redis, migrate, create demo data if missing, run all four services and a demo page',
    )
    .option('--no-demo', 'skip the demo agency, site, user, history and page')
    .action(async (opts: { demo: boolean }) => {
      const c = ctx();
      const say = (m: string) => process.stderr.write(`${m}\n`);
      const secret = await ensureJwtSecret(c.config());
      if (secret.created)
        say('saved a new API_JWT_SECRET in .env (mode 0600): dashboard logins now survive a restart');
      const config = forLaptop(secret.config);
      const { SERVICES } = await import('../serve/services.js');
      const specs = START_ORDER.map((n) => SERVICES[n]);
      await checkPostgres(config.core.databaseUrl);
      const redis = await checkRedis(config.core.redisUrl);
      if (redis.maxmemoryPolicy && redis.maxmemoryPolicy !== 'noeviction')
        say(
          `warning: Redis maxmemory-policy is ${redis.maxmemoryPolicy}; queued hits could be evicted under memory pressure. ` +
            'Production Redis must use noeviction (docs/operations.md).',
        );
      await runMigrate(c, say);
      const demo = opts.demo
        ? await ensureDemoData(c.pool(), {
            collector: config.collector,
            origins: ['localhost', '127.0.0.1'],
          })
        : undefined;
      if (demo?.password)
        say(
          `created the demo: login ${demo.login.email}, password ${demo.password} (shown once, repeated below when all is up)`,
        );
      if (demo) {
        say('giving the demo site its 30 days of history (first start only)…');
        const report = await seedDemoHistory(c.pool(), config, {
          agencyId: demo.agency.id,
          siteId: demo.site.script_id,
          origin: demoOrigin(config.ops.demoPort),
          log: createLogger('demo', config.core.logLevel),
        });
        say(describeSeed(report));
      }
      await c.close();

      const log = createLogger('beacon', config.core.logLevel);
      await serveUntilSignal(specs, config, {
        log,
        shutdownTimeoutMs: config.ops.shutdownTimeoutMs,
        onReady: async (running) => {
          const port = (name: string, fallback: number) =>
            running.find((r) => r.name === name)?.handle.port ?? fallback;
          const apiUrl = `http://localhost:${port('api', config.api.port)}/`;
          const extra: Running[] = [];
          let pageUrl: string | undefined;
          if (demo) {
            const page = await startDemoPage({
              host: config.ops.demoHost,
              port: config.ops.demoPort,
              snippet: demo.snippet,
              dashboardUrl: apiUrl,
            });
            extra.push({ name: 'demo page', handle: page });
            pageUrl = page.url;
          }
          process.stdout.write(banner({ demo, pageUrl, apiUrl, collectorUrl: config.collector.publicUrl }));
          return extra;
        },
      });
    });
}

function banner(b: { demo?: DemoData; pageUrl?: string; apiUrl: string; collectorUrl: string }): string {
  const lines = ['', 'Beacon is running.'];
  if (b.pageUrl)
    lines.push(`  Demo page:  ${b.pageUrl}   (open it and click around: each page view is tracked)`);
  lines.push(`  Dashboard:  ${b.apiUrl}`);
  if (b.demo) {
    lines.push(`  Agency:     ${b.demo.agency.name}, id ${b.demo.agency.id}, email ${b.demo.agency.email}`);
    lines.push(
      `              (the beacon command's --agency takes either; it may be left out while there is one agency)`,
    );
    lines.push(`  Login:      ${b.demo.login.email}`);
    lines.push(
      b.demo.password
        ? `  Password:   ${b.demo.password}   (shown this once: only its hash is stored)`
        : '  Password:   the one printed when the demo was first created',
    );
    if (b.demo.apiKey)
      lines.push(`  API key:    ${b.demo.apiKey}   (agency "${b.demo.agency.name}", shown this once)`);
    lines.push(
      `  Site:       ${b.demo.site.name} (script_id ${b.demo.site.script_id}); its snippet, for any page:`,
    );
    lines.push(`    ${b.demo.snippet}`);
  }
  lines.push(`  Collector:  ${b.collectorUrl}`, '', 'Press Ctrl-C to stop.', '');
  return lines.join('\n');
}

/**
 * `beacon start` on a laptop: one log line per API request would scroll the banner (and its one-time
 * password) away, so they go to debug unless API_REQUEST_LOG_LEVEL says otherwise.
 */
function forLaptop(config: Config): Config {
  if (process.env.API_REQUEST_LOG_LEVEL) return config;
  return { ...config, api: { ...config.api, requestLogLevel: 'debug' } };
}
