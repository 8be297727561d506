export { createTestDatabase, createTemplateDatabase, dropDatabase, type TestDatabase } from './database.js';
export { uniquePrefix } from './redis.js';
export { PG_ADMIN_URL, REDIS_URL, dbUrl } from './env.js';
export { FIXTURES_DIR, fixtureJson, fixturePath } from './fixtures.js';
export { findChromium, launchChromium, noChromiumMessage, playwrightCacheDir } from './chromium.js';
