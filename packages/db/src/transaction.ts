import type pg from 'pg';

/**
 * Runs `fn` in one transaction on a client of its own: COMMIT when it returns, ROLLBACK (and the
 * error thrown on) when it throws. The one home of BEGIN/COMMIT/ROLLBACK for pooled work. A client
 * whose ROLLBACK failed is destroyed, not put back in the pool.
 */
export async function inTransaction<T>(pool: pg.Pool, fn: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  let broken: Error | undefined;
  try {
    await client.query('BEGIN');
    const out = await fn(client);
    await client.query('COMMIT');
    return out;
  } catch (err) {
    await client.query('ROLLBACK').catch((e: Error) => (broken = e));
    throw err;
  } finally {
    client.release(broken);
  }
}
