import { readFile } from 'node:fs/promises';
import { generatedSql } from '../src/queries/generated-sql.js';

// The committed services/api/queries.sql is what the query module generates (review sees the SQL).
// When this fails after changing a statement: `pnpm build && node services/api/dist/queries/write-sql.js`.
test('queries.sql is up to date', async () => {
  const committed = await readFile(new URL('../queries.sql', import.meta.url), 'utf8');
  expect(committed).toBe(await generatedSql());
  // Request text never reaches the SQL: the sample filter values appear only among the values.
  expect(
    committed
      .split('\n')
      .filter((l) => !l.startsWith('--'))
      .join('\n'),
  ).not.toMatch(/'DE'|desktop|site123|Europe\/Berlin/);
});
