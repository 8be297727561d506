import type { Command } from 'commander';
import { read } from 'read';
import { adminSql } from '@beacon/db';
import { cliAudit } from '../audit.js';
import { UsageError, UserError, type CliContext } from '../context.js';
import { insertUnique } from '../insert.js';
import { hashPassword } from '../secrets.js';
import { emailArg, nonEmpty } from '../validate.js';
import * as listSql from '../sql/lists.js';
import { AGENCY_OPTION, registerListByAgency, resolveAgency } from './agency.js';

const ROLES = ['admin', 'user', 'viewer'] as const;
const MIN_PASSWORD = 8;

/** The password from --password, BEACON_PASSWORD, a hidden prompt (terminal) or the first line of stdin. */
async function obtainPassword(flag: string | undefined, fromEnv: string): Promise<string> {
  if (flag !== undefined) return flag;
  if (fromEnv) return fromEnv;
  if (process.stdin.isTTY) {
    const pw = await read({ prompt: 'Password: ', silent: true, replace: '*' });
    const again = await read({ prompt: 'Again: ', silent: true, replace: '*' });
    if (pw !== again) throw new UsageError('the passwords differ');
    return pw;
  }
  let data = '';
  for await (const chunk of process.stdin) data += chunk;
  return data.split(/\r?\n/, 1)[0] ?? '';
}

/** The new password, refused when too short. */
async function passwordOf(flag: string | undefined, fromEnv: string): Promise<string> {
  const password = await obtainPassword(flag, fromEnv);
  if (password.length < MIN_PASSWORD)
    throw new UsageError(`the password must have at least ${MIN_PASSWORD} characters`);
  return password;
}

export function registerUser(program: Command, ctx: () => CliContext): void {
  const user = program.command('user').description('manage dashboard users');
  registerCreate(user, ctx);
  registerList(user, ctx);
  registerSetPassword(user, ctx);
}

interface CreateOptions {
  agency?: string;
  email: string;
  role: string;
  password?: string;
  firstName?: string;
  lastName?: string;
}

function roleArg(v: string): string {
  if (!(ROLES as readonly string[]).includes(v))
    throw new UsageError(`--role must be one of ${ROLES.join(', ')}`);
  return v;
}

function registerCreate(user: Command, ctx: () => CliContext): void {
  user
    .command('create')
    .description('create a dashboard user (password prompted, or --password / BEACON_PASSWORD / stdin)')
    .option(...AGENCY_OPTION)
    .requiredOption('--email <email>', 'login email (unique)', emailArg)
    .requiredOption('--role <role>', `one of ${ROLES.join(', ')}`, roleArg)
    .option('--password <password>', 'the password (visible in shell history: prefer the prompt)')
    .option('--first-name <name>', 'first name', nonEmpty('--first-name', 100))
    .option('--last-name <name>', 'last name', nonEmpty('--last-name', 100))
    .action((opts: CreateOptions) => createUser(ctx(), opts));
}

async function createUser(c: CliContext, opts: CreateOptions): Promise<void> {
  const agency = await resolveAgency(c, opts.agency);
  const password = await passwordOf(opts.password, c.config().ops.userPassword);
  const params = [
    agency.id,
    opts.email,
    await hashPassword(password),
    opts.role,
    opts.firstName ?? null,
    opts.lastName ?? null,
    null,
    null,
  ];
  const taken = `a user with email ${opts.email} already exists`;
  const created = (
    await insertUnique<{ id: string; email: string; role: string }>(c, adminSql.insertUser, params, taken)
  )[0]!;
  await cliAudit(
    c,
    agency.id,
    'user.create',
    { type: 'user', id: created.id },
    {
      email: created.email,
      role: created.role,
    },
  );
  c.out(`user ${created.email} (${created.role}) created for ${agency.name}`, created);
}

function registerList(user: Command, ctx: () => CliContext): void {
  type Row = { email: string; role: string; is_active: boolean; last_login: Date | null; agency: string };
  registerListByAgency<Row>(user, ctx, {
    what: 'dashboard users',
    sql: listSql.listUsers,
    columns: ['email', 'role', 'active', 'last login', 'agency'],
    row: (u) => [
      u.email,
      u.role,
      u.is_active ? 'yes' : 'no',
      u.last_login ? new Date(u.last_login).toISOString().slice(0, 16).replace('T', ' ') + ' UTC' : 'never',
      u.agency,
    ],
    empty: 'no user yet: beacon user create --email E --role admin',
  });
}

function registerSetPassword(user: Command, ctx: () => CliContext): void {
  user
    .command('set-password')
    .description(
      "set a user's password (prompted, or --password / BEACON_PASSWORD / stdin); their login sessions end",
    )
    .requiredOption('--email <email>', 'the user’s login email', emailArg)
    .option('--password <password>', 'the password (visible in shell history: prefer the prompt)')
    .action(async (opts: { email: string; password?: string }) => {
      const c = ctx();
      const known = await c.pool().query(listSql.userByEmail, [opts.email]);
      if (!known.rows[0])
        throw new UserError(`no user with email ${opts.email} (beacon user list shows them)`);
      const password = await passwordOf(opts.password, c.config().ops.userPassword);
      const { rows } = await c.pool().query(listSql.setPassword, [opts.email, await hashPassword(password)]);
      if (!rows[0]) throw new UserError(`no user with email ${opts.email}`);
      c.out(`password of ${rows[0].email} set; ${rows[0].sessions_ended} login session(s) ended`, rows[0]);
    });
}
