import { userInfo } from 'node:os';
import { recordAudit, type AuditEntry } from '@beacon/db';
import type { CliContext } from './context.js';

/** Who runs the CLI, as the audit log names it: the operating-system user (no IP: a local command). */
function operator(): string {
  try {
    return `cli:${userInfo().username}`;
  } catch {
    return 'cli';
  }
}

/** Records an admin action done with the `beacon` command in the agency's audit log. */
export async function cliAudit(
  c: CliContext,
  agencyId: string,
  action: string,
  target?: AuditEntry['target'],
  details?: Record<string, unknown>,
): Promise<void> {
  await recordAudit(c.pool(), {
    agencyId,
    actor: { type: 'cli', label: operator() },
    action,
    target,
    details,
  });
}
