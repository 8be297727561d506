import type { Pool, PoolClient } from '@beacon/db';

/**
 * Runs `work` in one transaction on a client of the pool: COMMIT when it returns, ROLLBACK when it
 * throws (the error goes on unchanged), the client released either way.
 */
export async function inTransaction<T>(pool: Pool, work: (client: PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    const result = await work(client);
    await client.query('COMMIT');
    return result;
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  } finally {
    client.release();
  }
}
