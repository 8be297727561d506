/// <reference types="jest" />
import { createTestDatabase, type TestDatabase } from './database.js';

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
  const made = (): TestDatabase => {
    if (!db) throw new Error('useTestDatabase: the database is made in beforeAll; read it in a hook or test');
    return db;
  };
  return {
    get name() {
      return made().name;
    },
    get url() {
      return made().url;
    },
    get pool() {
      return made().pool;
    },
    drop: () => made().drop(),
  };
}
