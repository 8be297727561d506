/// <reference types="jest" />
import { createTestDatabase, type TestDatabase } from './database.js';
import { fieldsReadLater, madeBy } from './made-later.js';

/**
 * The test file's throwaway database: made in a beforeAll, dropped in an afterAll (both registered
 * here, so call it at the top level of the file, before the file's own hooks). Its name, url and pool
 * are read once the file's hooks and tests run; before that they throw rather than hand out nothing.
 */
export function useTestDatabase(opts: { migrated?: boolean } = {}): TestDatabase {
  let db: TestDatabase | undefined;
  beforeAll(async () => {
    db = await createTestDatabase(opts);
  });
  afterAll(async () => {
    await db?.drop();
  });
  return fieldsReadLater(() => madeBy('useTestDatabase', 'database', db), ['name', 'url', 'pool', 'drop']);
}
