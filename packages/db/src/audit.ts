import type pg from 'pg';
import { deleteInBatches } from './batch-delete.js';
import * as sql from './sql/audit.js';

/**
 * The audit log (one home): every admin action of an agency is recorded through `recordAudit`, from
 * the API's admin routes and from the CLI. Details must never hold a data subject's identifiers (an
 * erased person would live on here): name the kinds of identifiers and counts instead.
 */
export type AuditActor =
  { type: 'user'; id: string; email?: string | null } | { type: 'api_key' } | { type: 'cli'; label?: string };

export interface AuditEntry {
  agencyId: string;
  actor: AuditActor;
  /** `<object>.<verb>`: user.create, user.update, user.delete, site.create, site.update, site.delete,
   *  api_key.rotate, agency.update, agency.create, privacy.find, privacy.export, privacy.erase, ... */
  action: string;
  target?: { type: string; id: string | null };
  details?: Record<string, unknown>;
  /** Where the request came from (null for the CLI). */
  ip?: string | null;
  userAgent?: string | null;
}

export const AUDIT_ACTOR_TYPES = ['user', 'api_key', 'cli'] as const;

/** Writes one entry (on `db`: a pool, or the client of the transaction that did the action). */
export async function recordAudit(db: pg.Pool | pg.ClientBase, e: AuditEntry): Promise<void> {
  await db.query(sql.insertAudit, [
    e.agencyId,
    e.actor.type,
    e.actor.type === 'user' ? e.actor.id : null,
    e.actor.type === 'user'
      ? (e.actor.email ?? null)
      : e.actor.type === 'cli'
        ? (e.actor.label ?? null)
        : null,
    e.action,
    e.target?.type ?? null,
    e.target?.id ?? null,
    JSON.stringify(e.details ?? {}),
    e.ip ?? null,
    e.userAgent ?? null,
  ]);
}

/** Deletes entries older than `days` in bounded batches (the retention job). Returns how many. */
export async function purgeAudit(
  pool: pg.Pool,
  cutoff: Date,
  batchSize: number,
  dryRun = false,
): Promise<number> {
  if (dryRun) return Number((await pool.query<{ n: string }>(sql.countAuditBefore, [cutoff])).rows[0]!.n);
  return deleteInBatches(pool, sql.purgeAuditBatch, cutoff, batchSize);
}
