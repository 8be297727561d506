import type { Command } from 'commander';
import { auditSql } from '@beacon/db';
import type { CliContext } from '../context.js';
import { agencyCommand, withAgency } from './agency.js';
import { limitOption } from '../validate.js';

/** `beacon audit list`: an agency's audit log, newest first (docs/privacy-rights.md). */
export function registerAudit(program: Command, ctx: () => CliContext): void {
  const audit = program.command('audit').description("an agency's audit log of admin actions");
  agencyCommand(audit, 'list', 'who did what, when, from where; newest first')
    .option('--action <prefix>', "only actions starting with this, e.g. 'privacy.'")
    .option(...limitOption('entries to show', 10_000, 50))
    .action(
      withAgency(ctx, async (c, agency, o: { agency?: string; action?: string; limit: number }) => {
        const { rows } = await c
          .pool()
          .query(auditSql.listAudit, [agency.id, null, null, o.action ?? null, o.limit]);
        const human = rows
          .map(
            (r) =>
              `${r.at.toISOString()} ${r.action}${r.target_id ? ` ${r.target_type}:${r.target_id}` : ''} by ${r.actor_email ?? r.actor_type}${r.ip ? ` from ${r.ip}` : ''} ${JSON.stringify(r.details)}`,
          )
          .join('\n');
        c.out(
          human || 'no entries',
          rows.map(({ at_key: _k, ...r }) => r),
        );
      }),
    );
}
