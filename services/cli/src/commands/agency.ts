import type { Command } from 'commander';
import { adminSql } from '@beacon/db';
import { cliAudit } from '../audit.js';
import { UsageError, UserError, type CliContext } from '../context.js';
import { insertUnique } from '../insert.js';
import { newApiKey } from '../secrets.js';
import * as listSql from '../sql/lists.js';
import { table } from '../table.js';
import { emailArg, intArg, nonEmpty } from '../validate.js';

export interface AgencyRef {
  id: string;
  name: string;
  email: string | null;
}

/**
 * The agency a command acts on: the one named by `--agency ID|EMAIL`, or, when the option is left
 * out, the only agency there is (a single-tenant install, the demo). With several, naming one is a
 * usage error that says how to list them.
 */
export async function resolveAgency(c: CliContext, ref: string | undefined): Promise<AgencyRef> {
  if (ref !== undefined) {
    const { rows } = await c.pool().query<AgencyRef>(adminSql.findAgency, [ref]);
    if (!rows[0])
      throw new UserError(
        `no agency with id or email ${JSON.stringify(ref)} (beacon agency list shows them)`,
      );
    return rows[0];
  }
  const { rows } = await c.pool().query<AgencyRef>(listSql.firstAgencies);
  if (rows.length === 1) return rows[0]!;
  if (rows.length === 0) throw new UserError('there is no agency yet: create one with beacon agency create');
  throw new UsageError('there are several agencies: name one with --agency ID|EMAIL (beacon agency list)');
}

export const AGENCY_OPTION = [
  '--agency <id|email>',
  'the agency (id or contact email); may be left out when there is only one',
] as const;

/** `<parent> <name>`, a command acting on one agency: it takes AGENCY_OPTION, read by withAgency. */
export function agencyCommand(parent: Command, name: string, description: string): Command {
  return parent
    .command(name)
    .description(description)
    .option(...AGENCY_OPTION);
}

/** The action of a command taking AGENCY_OPTION: `act` gets the context and the agency it names. */
export function withAgency<O extends { agency?: string }>(
  ctx: () => CliContext,
  act: (c: CliContext, agency: AgencyRef, o: O) => Promise<void>,
): (o: O) => Promise<void> {
  return async (o) => {
    const c = ctx();
    await act(c, await resolveAgency(c, o.agency), o);
  };
}

export function registerAgency(program: Command, ctx: () => CliContext): void {
  const agency = program.command('agency').description('manage agencies (tenants)');
  agency
    .command('create')
    .description('create an agency; prints its API key once (only a bcrypt hash is stored)')
    .requiredOption('--name <name>', 'agency name', nonEmpty('--name', 255))
    .requiredOption('--email <email>', 'contact email (unique)', emailArg)
    .option(
      '--retention-months <n>',
      'months of raw events kept (default RETENTION_MONTHS_DEFAULT)',
      intArg('--retention-months', 1, 600),
    )
    .action(async (opts: { name: string; email: string; retentionMonths?: number }) => {
      const c = ctx();
      const key = await newApiKey();
      const config = opts.retentionMonths ? { retention_months: opts.retentionMonths } : {};
      const a = (
        await insertUnique<{ id: string; email: string }>(
          c,
          adminSql.insertAgency,
          [opts.name, opts.email, key.hash, key.prefix, JSON.stringify(config)],
          `an agency with email ${opts.email} already exists`,
        )
      )[0]!;
      await cliAudit(c, a.id, 'agency.create', { type: 'agency', id: a.id }, { name: opts.name });
      c.out(`agency ${a.id} created (${a.email})\nAPI key (shown once, keep it safe): ${key.key}`, {
        ...a,
        api_key: key.key,
      });
    });
  agency
    .command('list')
    .description('list the agencies: id, contact email, name, sites and users')
    .action(async () => {
      const c = ctx();
      const { rows } = await c.pool().query(listSql.listAgencies);
      c.out(
        table(
          ['id', 'email', 'name', 'status', 'sites', 'users'],
          rows.map((a) => [a.id, a.email ?? '', a.name, a.status, a.sites, a.users]),
          'no agency yet: beacon agency create --name N --email E',
        ),
        rows,
      );
    });
  agencyCommand(agency, 'rotate-key', 'replace an agency API key; the old key stops working at once').action(
    withAgency(ctx, async (c, a) => {
      const key = await newApiKey();
      await c.pool().query(adminSql.rotateAgencyKey, [a.id, key.hash, key.prefix]);
      await cliAudit(c, a.id, 'api_key.rotate', { type: 'agency', id: a.id }, { key_prefix: key.prefix });
      c.out(`new API key for ${a.name} (shown once): ${key.key}`, { agency_id: a.id, api_key: key.key });
    }),
  );
}

type Cell = string | number | boolean | null;

/**
 * `<parent> list [--agency ID|EMAIL]`: the rows `sql` answers for one agency ($1) or for every agency
 * ($1 null), as a table of `columns` (one `row` each) or, with --json, as they are.
 */
export function registerListByAgency<R>(
  parent: Command,
  ctx: () => CliContext,
  o: { what: string; sql: string; columns: string[]; row: (r: R) => Cell[]; empty: string },
): void {
  parent
    .command('list')
    .description(`list the ${o.what} (of one agency with --agency, else of every agency)`)
    .option('--agency <id|email>', `only this agency’s ${o.what}`)
    .action(async (opts: { agency?: string }) => {
      const c = ctx();
      const agency = opts.agency ? await resolveAgency(c, opts.agency) : undefined;
      const { rows } = await c.pool().query(o.sql, [agency?.id ?? null]);
      c.out(table(o.columns, (rows as R[]).map(o.row), o.empty), rows);
    });
}
