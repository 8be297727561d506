import type pg from 'pg';

/**
 * Runs a bounded DELETE ($1 cutoff, $2 batch size) until it deletes less than a batch: short
 * transactions, no long lock. Returns how many rows went.
 */
export async function deleteInBatches(
  pool: pg.Pool,
  statement: string,
  cutoff: Date,
  batchSize: number,
): Promise<number> {
  let total = 0;
  for (;;) {
    const { rowCount } = await pool.query(statement, [cutoff, batchSize]);
    total += rowCount ?? 0;
    if (!rowCount || rowCount < batchSize) return total;
  }
}
