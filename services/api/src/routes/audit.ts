import { z } from 'zod';
import { auditSql } from '@beacon/db';
import { ADMINS } from '../auth/types.js';
import type { ApiDeps } from '../deps.js';
import { cursorParam, limitParam } from '../http/validate.js';
import type { RouteTable } from '../openapi/route-table.js';
import { decodeTimeCursor, keysetPage } from './keyset.js';
import { iso, pageOf } from './schemas.js';

interface AuditRow {
  id: string;
  at: Date;
  at_key: string;
  actor_type: 'user' | 'api_key' | 'cli';
  actor_id: string | null;
  actor_email: string | null;
  action: string;
  target_type: string | null;
  target_id: string | null;
  details: Record<string, unknown>;
  ip: string | null;
  user_agent: string | null;
}

export const auditEntrySchema = z
  .object({
    id: z.string(),
    at: z.string(),
    actor: z.object({
      type: z.enum(['user', 'api_key', 'cli']),
      user_id: z.string().nullable(),
      email: z
        .string()
        .nullable()
        .meta({ description: "the user's email at the time (CLI: the operator label)" }),
    }),
    action: z.string().meta({ description: 'e.g. user.create, site.update, api_key.rotate, privacy.erase' }),
    target: z.object({ type: z.string().nullable(), id: z.string().nullable() }),
    details: z.record(z.string(), z.unknown()),
    ip: z.string().nullable(),
    user_agent: z.string().nullable(),
  })
  .meta({ id: 'AuditEntry' });

function toEntry(r: AuditRow): z.infer<typeof auditEntrySchema> {
  return {
    id: String(r.id),
    at: iso(r.at)!,
    actor: { type: r.actor_type, user_id: r.actor_id, email: r.actor_email },
    action: r.action,
    target: { type: r.target_type, id: r.target_id },
    details: r.details,
    ip: r.ip,
    user_agent: r.user_agent,
  };
}

/** The agency's audit log (admins): who did what, when, from where. Kept AUDIT_LOG_RETENTION_DAYS. */
export function registerAuditRoutes(t: RouteTable, d: ApiDeps): void {
  t.define(
    {
      route: 'get /v1/audit',
      summary: "The agency's audit log of admin actions, newest first",
      description:
        'Users, roles, sites, API keys, agency settings, privacy finds/exports/erasures: who (user or API key), when, from where (IP, user agent). ' +
        'Entries never hold the identifiers of a data subject. Kept AUDIT_LOG_RETENTION_DAYS days.',
      tags: ['audit'],
      roles: ADMINS,
      query: z
        .object({
          limit: limitParam,
          cursor: cursorParam,
          action: z
            .string()
            .min(1)
            .max(64)
            .regex(/^[a-z_.]+$/, 'letters, _ and .')
            .optional()
            .meta({ description: "only actions starting with this, e.g. 'privacy.' or 'user.create'" }),
        })
        .strict(),
      responses: { 200: ['A page of entries', pageOf(auditEntrySchema, 'AuditPage')] },
    },
    async ({ auth, query }) => {
      const after = decodeTimeCursor(query.cursor, 'int');
      const { rows } = await d.pool.query<AuditRow>(auditSql.listAudit, [
        auth.agencyId,
        ...after,
        query.action ?? null,
        query.limit + 1,
      ]);
      return keysetPage(rows, query.limit, toEntry, (r) => [r.at_key, String(r.id)]);
    },
  );
}
