import type { Command } from 'commander';
import { read } from 'read';
import { adminSql } from '@beacon/db';
import { cliAudit } from '../audit.js';
import { UserError, type CliContext } from '../context.js';
import { hashPassword } from '../secrets.js';
import { emailArg, nonEmpty } from '../validate.js';
import { findAgencyOrFail } from './agency.js';

const ROLES = ['admin', 'user', 'viewer'] as const;
const MIN_PASSWORD = 8;

/** The password from --password, BEACON_PASSWORD, a hidden prompt (terminal) or the first line of stdin. */
async function obtainPassword(flag: string | undefined, fromEnv: string): Promise<string> {
  if (flag !== undefined) return flag;
  if (fromEnv) return fromEnv;
  if (process.stdin.isTTY) {
    const pw = await read({ prompt: 'Password: ', silent: true, replace: '*' });
    const again = await read({ prompt: 'Again: ', silent: true, replace: '*' });
    if (pw !== again) throw new UserError('the passwords differ');
    return pw;
  }
  let data = '';
  for await (const chunk of process.stdin) data += chunk;
  return data.split(/\r?\n/, 1)[0] ?? '';
}

export function registerUser(program: Command, ctx: () => CliContext): void {
  const user = program.command('user').description('manage dashboard users');
  user
    .command('create')
    .description('create a dashboard user (password prompted, or --password / BEACON_PASSWORD / stdin)')
    .requiredOption('--agency <id|email>', 'the agency the user belongs to')
    .requiredOption('--email <email>', 'login email (unique)', emailArg)
    .requiredOption('--role <role>', `one of ${ROLES.join(', ')}`, (v) => {
      if (!(ROLES as readonly string[]).includes(v))
        throw new UserError(`--role must be one of ${ROLES.join(', ')}`);
      return v;
    })
    .option('--password <password>', 'the password (visible in shell history: prefer the prompt)')
    .option('--first-name <name>', 'first name', nonEmpty('--first-name', 100))
    .option('--last-name <name>', 'last name', nonEmpty('--last-name', 100))
    .action(
      async (opts: {
        agency: string;
        email: string;
        role: string;
        password?: string;
        firstName?: string;
        lastName?: string;
      }) => {
        const c = ctx();
        const agency = await findAgencyOrFail(c, opts.agency);
        const password = await obtainPassword(opts.password, c.config().ops.userPassword);
        if (password.length < MIN_PASSWORD)
          throw new UserError(`the password must have at least ${MIN_PASSWORD} characters`);
        try {
          const { rows } = await c
            .pool()
            .query(adminSql.insertUser, [
              agency.id,
              opts.email,
              await hashPassword(password),
              opts.role,
              opts.firstName ?? null,
              opts.lastName ?? null,
            ]);
          await cliAudit(
            c,
            agency.id,
            'user.create',
            { type: 'user', id: rows[0].id },
            {
              email: rows[0].email,
              role: rows[0].role,
            },
          );
          c.out(`user ${rows[0].email} (${rows[0].role}) created for ${agency.name}`, rows[0]);
        } catch (err) {
          if ((err as { code?: string }).code === '23505')
            throw new UserError(`a user with email ${opts.email} already exists`);
          throw err;
        }
      },
    );
}
