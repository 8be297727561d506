import type { QueryResultRow } from 'pg';
import { isUniqueViolation } from '@beacon/db';
import { UserError, type CliContext } from './context.js';

/**
 * Runs an INSERT of something whose unique key the user chose (an email, a script_id): a duplicate
 * (SQLSTATE 23505) is a UserError that says `taken`. Out: the rows the statement returns.
 */
export async function insertUnique<R extends QueryResultRow>(
  c: CliContext,
  sql: string,
  params: unknown[],
  taken: string,
): Promise<R[]> {
  try {
    return (await c.pool().query<R>(sql, params)).rows;
  } catch (err) {
    if (isUniqueViolation(err)) throw new UserError(taken);
    throw err;
  }
}
