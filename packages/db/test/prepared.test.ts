import pg from 'pg';
import { prepared } from '@beacon/db';
import { useTestDatabase } from '@beacon/testkit';

// A prepared statement is parsed once per connection: PostgreSQL lists it in pg_prepared_statements
// of the session that ran it, under the name derived from its text.

const db = useTestDatabase();

const LOOKUP = 'SELECT $1::int + 1 AS n';
const OTHER = 'SELECT $1::int * 2 AS n';

test('one name per text, the same on every call; different texts never share one', () => {
  const a = prepared(LOOKUP, [1]);
  const b = prepared(LOOKUP, [2]);
  expect(a.name).toBe(b.name);
  expect(a.name).toMatch(/^beacon_[0-9a-f]{16}$/);
  expect(prepared(OTHER, [1]).name).not.toBe(a.name);
  // Each call gets its own config: pg writes into the one it is given.
  expect(a).not.toBe(b);
  expect([a.values, b.values]).toEqual([[1], [2]]);
});

test("runs with each call's values and stays prepared on the connection", async () => {
  const c = new pg.Client({ connectionString: db.url });
  await c.connect();
  try {
    const answers = [];
    for (const v of [1, 41, 7]) answers.push((await c.query(prepared(LOOKUP, [v]))).rows[0].n);
    expect(answers).toEqual([2, 42, 8]);
    expect((await c.query(prepared(OTHER, [21]))).rows[0].n).toBe(42);
    const { rows } = await c.query<{ name: string; statement: string }>(
      'SELECT name, statement FROM pg_prepared_statements ORDER BY name',
    );
    expect(rows.map((r) => r.name).sort()).toEqual(
      [prepared(LOOKUP, []).name, prepared(OTHER, []).name].sort(),
    );
    expect(rows.find((r) => r.name === prepared(LOOKUP, []).name)?.statement).toBe(LOOKUP);
  } finally {
    await c.end();
  }
});
