import type { Command } from 'commander';
import { adminSql } from '@beacon/db';
import { renderSnippet } from '@beacon/schema';
import { UserError, type CliContext } from '../context.js';
import { newScriptId } from '../secrets.js';
import { domainArg, nonEmpty } from '../validate.js';
import { findAgencyOrFail } from './agency.js';
import { registerSiteToken } from './site-token.js';

export function registerSite(program: Command, ctx: () => CliContext): void {
  const site = program.command('site').description('manage tracked sites');
  registerSiteToken(site, ctx);
  site
    .command('create')
    .description('create a site; prints its script_id and the HTML snippet to paste into its pages')
    .requiredOption('--agency <id|email>', 'the agency that owns the site')
    .requiredOption('--name <name>', 'display name', nonEmpty('--name', 255))
    .requiredOption('--domain <domain>', 'the site domain, e.g. example.com', domainArg)
    .option('--script-id <id>', 'choose the script_id instead of a random one', (v) => {
      if (!/^[a-z0-9_-]{4,50}$/i.test(v))
        throw new UserError('--script-id must be 4-50 letters, digits, _ or -');
      return v;
    })
    .action(async (opts: { agency: string; name: string; domain: string; scriptId?: string }) => {
      const c = ctx();
      const agency = await findAgencyOrFail(c, opts.agency);
      const scriptId = opts.scriptId ?? newScriptId();
      try {
        const { rows } = await c
          .pool()
          .query(adminSql.insertSite, [agency.id, opts.name, opts.domain, scriptId, null]);
        const snippet = renderSnippet(scriptId, c.config().collector);
        c.out(
          `site ${rows[0].id} created for ${agency.name}\nscript_id: ${scriptId}\nPaste into every page, before </head>:\n${snippet}\n` +
            `Privacy (docs/privacy.md): IPs stored truncated, cookies, Do-Not-Track respected, no consent required;\n` +
            `change them in the dashboard (Settings, the site): tagged pages follow on their next load, the snippet stays.`,
          { ...rows[0], snippet },
        );
      } catch (err) {
        if ((err as { code?: string }).code === '23505')
          throw new UserError(`script_id ${scriptId} is taken`);
        throw err;
      }
    });
}
