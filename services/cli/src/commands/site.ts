import type { Command } from 'commander';
import { adminSql } from '@beacon/db';
import { renderSnippet } from '@beacon/schema';
import { cliAudit } from '../audit.js';
import { UsageError, UserError, type CliContext } from '../context.js';
import { insertUnique } from '../insert.js';
import { commandGroup } from './group.js';
import { newScriptId } from '../secrets.js';
import * as listSql from '../sql/lists.js';
import { domainArg, nonEmpty } from '../validate.js';
import { AGENCY_OPTION, registerListByAgency, resolveAgency } from './agency.js';
import { registerSiteToken } from './site-token.js';

function registerCreate(site: Command, ctx: () => CliContext): void {
  site
    .command('create')
    .description('create a site; prints its script_id and the HTML snippet to paste into its pages')
    .option(...AGENCY_OPTION)
    .requiredOption('--name <name>', 'display name', nonEmpty('--name', 255))
    .requiredOption('--domain <domain>', 'the site domain, e.g. example.com', domainArg)
    .option('--script-id <id>', 'choose the script_id instead of a random one', (v) => {
      if (!/^[a-z0-9_-]{4,50}$/i.test(v))
        throw new UsageError('--script-id must be 4-50 letters, digits, _ or -');
      return v;
    })
    .option('--allow-duplicate', 'create it even if the agency already tracks a site with this domain')
    .action(
      async (opts: {
        agency?: string;
        name: string;
        domain: string;
        scriptId?: string;
        allowDuplicate?: boolean;
      }) => {
        const c = ctx();
        const agency = await resolveAgency(c, opts.agency);
        // Two sites of one domain split its traffic between two script ids: almost always a mistake.
        const same = (await c.pool().query(listSql.sitesWithDomain, [opts.domain])).rows;
        const mine = same.filter((s) => s.agency_id === agency.id);
        if (mine.length > 0 && !opts.allowDuplicate)
          throw new UserError(
            `${agency.name} already has a site for ${opts.domain}: ${mine[0].name} (script_id ${mine[0].script_id}); ` +
              'pass --allow-duplicate to add another',
          );
        const others = same.filter((s) => s.agency_id !== agency.id);
        if (others.length > 0)
          process.stderr.write(
            `warning: ${opts.domain} is also tracked by agency ${others[0].agency} (script_id ${others[0].script_id})\n`,
          );
        const scriptId = opts.scriptId ?? newScriptId();
        const created = (
          await insertUnique<{ id: string }>(
            c,
            adminSql.insertSite,
            [agency.id, opts.name, opts.domain, scriptId, null, null],
            `script_id ${scriptId} is taken`,
          )
        )[0]!;
        await cliAudit(
          c,
          agency.id,
          'site.create',
          { type: 'site', id: created.id },
          { script_id: scriptId },
        );
        const snippet = renderSnippet(scriptId, c.config().collector);
        c.out(
          `site ${created.id} created for ${agency.name}\nscript_id: ${scriptId}\nPaste into every page, before </head>:\n${snippet}\n` +
            `Privacy (docs/privacy.md): IPs stored truncated, cookies, Do-Not-Track respected, no consent required;\n` +
            `change them in the dashboard (Settings, the site): tagged pages follow on their next load, the snippet stays.`,
          { ...created, snippet },
        );
      },
    );
}

function registerList(site: Command, ctx: () => CliContext): void {
  type Row = Record<'id' | 'script_id' | 'domain' | 'name' | 'status' | 'agency', string>;
  registerListByAgency<Row>(site, ctx, {
    what: 'sites',
    sql: listSql.listSites,
    columns: ['id', 'script_id', 'domain', 'name', 'status', 'agency'],
    row: (s) => [s.id, s.script_id, s.domain, s.name, s.status, s.agency],
    empty: 'no site yet: beacon site create --name N --domain D',
  });
}

export const registerSite = commandGroup('site', 'manage tracked sites', [
  registerSiteToken,
  registerCreate,
  registerList,
]);
