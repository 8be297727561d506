export { createTestDatabase, createTemplateDatabase, dropDatabase, type TestDatabase } from './database.js';
export { useTestDatabase } from './use-database.js';
export { fieldsReadLater, madeBy } from './made-later.js';
export { insertEventRows, newEvent, type EventRow } from './event-rows.js';
export { uniquePrefix } from './redis.js';
export { PG_ADMIN_URL, REDIS_URL, apiTestEnv, collectorTestEnv, dbUrl } from './env.js';
export { pgBinDir, startPgReplicaPair, type PgReplicaPair, type PgServer } from './pg-replica.js';
export { CITUS_STUB_SQL, citusTables, installCitusStub, type CitusTable } from './citus-stub.js';
export { freePort } from './ports.js';
export { freezingProxy, type FreezingProxy } from './freezing-proxy.js';
export { SERVICE_OPS_PORT_ENV, SERVICE_PORT_ENV, type ServiceName } from './services.js';
export { FIXTURES_DIR, fixtureJson, fixturePath } from './fixtures.js';
export {
  findChromium,
  HEADLESS_ARGS,
  launchChromium,
  noChromiumMessage,
  playwrightCacheDir,
  sessionToken,
} from './chromium.js';
export { waitFor } from './wait.js';
export { failByStalling } from './stalled.js';
export { runNode, startNode, type NodeRun, type RunNodeOptions } from './run-node.js';
