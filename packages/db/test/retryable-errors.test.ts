import pg from 'pg';
import { isRetryablePgError, isUniqueViolation } from '@beacon/db';
import { freePort, useTestDatabase } from '@beacon/testkit';

// Real PostgreSQL raises each error; isRetryablePgError must decide by its SQLSTATE (or Node socket
// code), whatever the message says.

const db = useTestDatabase();
beforeAll(async () => {
  await db.pool.query('CREATE TABLE retry_t (id int PRIMARY KEY, n int NOT NULL)');
  await db.pool.query('INSERT INTO retry_t VALUES (1, 0), (2, 0)');
});

/** The error a promise rejects with (fails the test when it resolves). */
async function caught(p: Promise<unknown>): Promise<Error & { code?: string }> {
  try {
    await p;
  } catch (err) {
    return err as Error & { code?: string };
  }
  throw new Error('expected an error');
}

async function client(): Promise<pg.Client> {
  const c = new pg.Client({ connectionString: db.url });
  c.on('error', () => undefined); // a terminated backend also reports on the client
  await c.connect();
  return c;
}

/** Two connections, each in a transaction begun by `begin`, for `fn`; rolled back and closed after. */
async function inTwoTransactions(begin: string, fn: (a: pg.Client, b: pg.Client) => Promise<void>) {
  const [a, b] = [await client(), await client()];
  try {
    for (const c of [a, b]) await c.query(begin);
    await fn(a, b);
  } finally {
    await Promise.all([a, b].map((c) => c.query('ROLLBACK').catch(() => undefined)));
    await Promise.all([a.end(), b.end()]);
  }
}

it('serialization failure (40001) is retryable', async () => {
  await inTwoTransactions('BEGIN ISOLATION LEVEL SERIALIZABLE', async (a, b) => {
    await a.query('SELECT sum(n) FROM retry_t');
    await b.query('SELECT sum(n) FROM retry_t');
    await a.query('UPDATE retry_t SET n = n + 1 WHERE id = 1');
    await b.query('UPDATE retry_t SET n = n + 1 WHERE id = 2');
    await a.query('COMMIT');
    const err = await caught(b.query('COMMIT'));
    expect(err.code).toBe('40001');
    expect(isRetryablePgError(err)).toBe(true);
  });
});

it('deadlock (40P01) is retryable', async () => {
  await inTwoTransactions("BEGIN; SET LOCAL deadlock_timeout = '50ms'", async (a, b) => {
    await a.query('UPDATE retry_t SET n = n + 1 WHERE id = 1');
    await b.query('UPDATE retry_t SET n = n + 1 WHERE id = 2');
    const first = a.query('UPDATE retry_t SET n = n + 1 WHERE id = 2').catch((e: unknown) => e);
    const second = b.query('UPDATE retry_t SET n = n + 1 WHERE id = 1').catch((e: unknown) => e);
    const errs = (await Promise.all([first, second])).filter((e) => e instanceof Error) as (Error & {
      code?: string;
    })[];
    expect(errs.map((e) => e.code)).toEqual(['40P01']);
    expect(isRetryablePgError(errs[0])).toBe(true);
  });
});

it('a backend ended by pg_terminate_backend (57P01) is retryable', async () => {
  const c = await client();
  try {
    const { rows } = await c.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
    const sleeping = caught(c.query('SELECT pg_sleep(30)'));
    // Wait until the sleep is running, then end that backend from another connection.
    for (let i = 0; i < 100; i++) {
      const r = await db.pool.query(
        "SELECT 1 FROM pg_stat_activity WHERE pid = $1 AND query LIKE 'SELECT pg_sleep%'",
        [rows[0]!.pid],
      );
      if (r.rowCount) break;
      await new Promise((r) => setTimeout(r, 20));
    }
    await db.pool.query('SELECT pg_terminate_backend($1)', [rows[0]!.pid]);
    const err = await sleeping;
    expect(err.code).toBe('57P01');
    expect(isRetryablePgError(err)).toBe(true);
  } finally {
    await c.end().catch(() => undefined);
  }
});

it('a refused connection (ECONNREFUSED) is retryable', async () => {
  const port = await freePort();
  const c = new pg.Client({ host: '127.0.0.1', port, user: 'postgres', database: 'postgres' });
  const err = await caught(c.connect());
  expect(isRetryablePgError(err)).toBe(true);
});

it('data and statement errors are not, nor a cancelled statement (57014), nor errors without a code', async () => {
  const bad = await caught(db.pool.query("SELECT 'x'::int"));
  expect(bad.code).toBe('22P02');
  const dup = await caught(db.pool.query('INSERT INTO retry_t VALUES (1, 0)'));
  expect(dup.code).toBe('23505');
  const c = await db.pool.connect();
  let cancelled: Error & { code?: string };
  try {
    await c.query("SET statement_timeout = '20ms'");
    cancelled = await caught(c.query('SELECT pg_sleep(1)'));
  } finally {
    c.release(true);
  }
  expect(cancelled.code).toBe('57014');
  for (const e of [bad, dup, cancelled]) expect(isRetryablePgError(e)).toBe(false);
  // Text alone decides nothing: a message that reads like a connection failure, with no code, is not retried.
  expect(isRetryablePgError(new Error('Connection terminated unexpectedly'))).toBe(false);
  expect(isRetryablePgError({ code: '08006' })).toBe(true);
  expect(isRetryablePgError({ code: '53300' })).toBe(true);
  expect(isRetryablePgError(null)).toBe(false);
});

it('a duplicate key raised by PostgreSQL is a unique violation; other errors are not', async () => {
  const dup = await caught(db.pool.query('INSERT INTO retry_t VALUES (2, 0)'));
  expect(isUniqueViolation(dup)).toBe(true);
  const notNull = await caught(db.pool.query('INSERT INTO retry_t VALUES (3, NULL)'));
  expect(notNull.code).toBe('23502');
  expect(isUniqueViolation(notNull)).toBe(false);
  expect(isUniqueViolation(new Error('duplicate key value violates unique constraint'))).toBe(false);
  expect(isUniqueViolation(null)).toBe(false);
});
