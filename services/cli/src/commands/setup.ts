import type { Command } from 'commander';
import { adminSql } from '@beacon/db';
import { renderSnippet } from '@beacon/schema';
import { UserError, type CliContext } from '../context.js';
import { newPassword } from '../demo/data.js';
import { hashPassword, newApiKey, newScriptId } from '../secrets.js';
import * as listSql from '../sql/lists.js';
import { domainArg, emailArg, nonEmpty } from '../validate.js';

/**
 * `beacon setup`: the first run of a fresh install (compose: `docker compose run --rm api setup ...`).
 * Creates the agency, its admin (a generated password, printed once: a container has no terminal to
 * type one into) and its first site, in one transaction; refuses when an agency already exists, so a
 * second run cannot make a second tenant by mistake (use `beacon agency create` for that).
 */
export function registerSetup(program: Command, ctx: () => CliContext): void {
  program
    .command('setup')
    .description('first run: create the agency, its admin user and its first site (only on an empty install)')
    .requiredOption('--agency-name <name>', 'the agency (your company) name', nonEmpty('--agency-name', 255))
    .requiredOption('--email <email>', 'the agency contact email, also the admin login', emailArg)
    .requiredOption('--site-domain <domain>', 'the first site to track, e.g. example.com', domainArg)
    .option('--site-name <name>', 'its display name (default: the domain)', nonEmpty('--site-name', 255))
    .action(async (opts: { agencyName: string; email: string; siteDomain: string; siteName?: string }) => {
      const c = ctx();
      const client = await c.pool().connect();
      try {
        await client.query('BEGIN');
        const existing = (await client.query(listSql.firstAgencies)).rows;
        if (existing.length > 0)
          throw new UserError(
            `this install already has an agency (${existing[0].name}, ${existing[0].email}): setup runs once; ` +
              'use beacon agency create / site create / user create',
          );
        const key = await newApiKey();
        const agency = (
          await client.query(adminSql.insertAgency, [opts.agencyName, opts.email, key.hash, key.prefix, null])
        ).rows[0];
        const password = newPassword();
        await client.query(adminSql.insertUser, [
          agency.id,
          opts.email,
          await hashPassword(password),
          'admin',
          null,
          null,
          null,
          null,
        ]);
        const site = (
          await client.query(adminSql.insertSite, [
            agency.id,
            opts.siteName ?? opts.siteDomain,
            opts.siteDomain,
            newScriptId(),
            null,
            null,
          ])
        ).rows[0];
        await client.query('COMMIT');
        const snippet = renderSnippet(site.script_id, c.config().collector);
        c.out(
          [
            `agency ${agency.name}: id ${agency.id}, email ${agency.email}`,
            `API key (shown once): ${key.key}`,
            `dashboard login: ${opts.email}, password ${password} (shown once; change it with beacon user set-password)`,
            `site ${site.name} (script_id ${site.script_id}); paste into every page, before </head>:`,
            snippet,
          ].join('\n'),
          { agency, api_key: key.key, login: { email: opts.email, password }, site, snippet },
        );
      } catch (err) {
        await client.query('ROLLBACK').catch(() => undefined);
        throw err;
      } finally {
        client.release();
      }
    });
}
