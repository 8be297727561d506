import type { Request } from 'express';
import { recordAudit, type AuditEntry } from '@beacon/db';
import type { AuthContext } from '../auth/types.js';
import type { ApiDeps } from '../deps.js';
import { clientIp } from './client-ip.js';

/**
 * Records an admin action of the calling user or API key in the audit log (packages/db/src/audit.ts),
 * with where it came from: the client IP (through trusted proxies, as express resolves it) and user
 * agent. Called by each admin route after its change succeeded.
 */
export async function audit(
  d: ApiDeps,
  ctx: { auth: AuthContext; req: Request },
  action: string,
  target?: AuditEntry['target'],
  details?: Record<string, unknown>,
): Promise<void> {
  await recordAudit(d.pool, {
    agencyId: ctx.auth.agencyId,
    actor: ctx.auth.userId ? { type: 'user', id: ctx.auth.userId } : { type: 'api_key' },
    action,
    target,
    details,
    ip: clientIp(ctx.req),
    userAgent: ctx.req.headers['user-agent'] ?? null,
  });
}
