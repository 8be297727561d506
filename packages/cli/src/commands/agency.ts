import type { Command } from 'commander';
import { adminSql } from '@beacon/db';
import { cliAudit } from '../audit.js';
import { UserError, type CliContext } from '../context.js';
import { newApiKey } from '../secrets.js';
import { emailArg, nonEmpty } from '../validate.js';

export async function findAgencyOrFail(c: CliContext, ref: string): Promise<{ id: string; name: string }> {
  const { rows } = await c.pool().query<{ id: string; name: string }>(adminSql.findAgency, [ref]);
  if (!rows[0]) throw new UserError(`no agency with id or email ${JSON.stringify(ref)}`);
  return rows[0];
}

export function registerAgency(program: Command, ctx: () => CliContext): void {
  const agency = program.command('agency').description('manage agencies (tenants)');
  agency
    .command('create')
    .description('create an agency; prints its API key once (only a bcrypt hash is stored)')
    .requiredOption('--name <name>', 'agency name', nonEmpty('--name', 255))
    .requiredOption('--email <email>', 'contact email (unique)', emailArg)
    .option('--retention-months <n>', 'months of raw events kept (default RETENTION_MONTHS_DEFAULT)', (v) => {
      if (!/^\d+$/.test(v) || Number(v) < 1 || Number(v) > 600)
        throw new UserError('--retention-months must be a whole number from 1 to 600');
      return Number(v);
    })
    .action(async (opts: { name: string; email: string; retentionMonths?: number }) => {
      const c = ctx();
      const key = await newApiKey();
      const config = opts.retentionMonths ? { retention_months: opts.retentionMonths } : {};
      try {
        const { rows } = await c
          .pool()
          .query(adminSql.insertAgency, [
            opts.name,
            opts.email,
            key.hash,
            key.prefix,
            JSON.stringify(config),
          ]);
        const a = rows[0];
        await cliAudit(c, a.id, 'agency.create', { type: 'agency', id: a.id }, { name: opts.name });
        c.out(`agency ${a.id} created\nAPI key (shown once, keep it safe): ${key.key}`, {
          ...a,
          api_key: key.key,
        });
      } catch (err) {
        if ((err as { code?: string }).code === '23505')
          throw new UserError(`an agency with email ${opts.email} already exists`);
        throw err;
      }
    });
  agency
    .command('rotate-key')
    .description('replace an agency API key; the old key stops working at once')
    .requiredOption('--agency <id|email>', 'the agency')
    .action(async (opts: { agency: string }) => {
      const c = ctx();
      const a = await findAgencyOrFail(c, opts.agency);
      const key = await newApiKey();
      await c.pool().query(adminSql.rotateAgencyKey, [a.id, key.hash, key.prefix]);
      await cliAudit(c, a.id, 'api_key.rotate', { type: 'agency', id: a.id }, { key_prefix: key.prefix });
      c.out(`new API key for ${a.name} (shown once): ${key.key}`, { agency_id: a.id, api_key: key.key });
    });
}
