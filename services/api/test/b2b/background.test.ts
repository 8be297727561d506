import { parseConfig } from '@beacon/config';
import { waitFor } from '@beacon/testkit';
import { call, login, seedTwoAgencies, startTestApi, type TestApi } from '../helpers.js';

// API_BACKGROUND_JOBS: a replica with it off runs no alert work (no alert pool or Redis connections,
// no dispatcher, delivery worker, sweep, score decay or report timer); on, alerting runs as before.

let off: TestApi;
let on: TestApi | undefined;

beforeAll(async () => {
  off = await startTestApi({ env: { API_BACKGROUND_JOBS: 'false' } });
});
afterAll(async () => {
  await on?.close();
  await off?.close();
});

const alertConnections = async (t: TestApi) =>
  (
    await t.db.pool.query(
      `SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND application_name = 'beacon-api-alerts'`,
    )
  ).rows[0].n as number;

test('the setting: on unless set; a clear error for a bad value', () => {
  expect(parseConfig({}).api.backgroundJobs).toBe(true);
  expect(parseConfig({ API_BACKGROUND_JOBS: 'off' }).api.backgroundJobs).toBe(false);
  expect(() => parseConfig({ API_BACKGROUND_JOBS: 'sometimes' })).toThrow(/API_BACKGROUND_JOBS/);
});

test('off: no alerting in the process, requests still served (a replay waits for a replica with it on)', async () => {
  expect(off.api.deps.alerts).toBeUndefined();
  const f = await seedTwoAgencies(off.db.pool);
  const admin = await login(off.url, f.admin.email, f.admin.password);
  const rules = await call(off.url, 'GET', `/v1/sites/${f.siteA.id}/company-alert-rules`, { token: admin });
  expect(rules.status).toBe(200);
  await new Promise((r) => setTimeout(r, 1500)); // past a dispatcher tick (ALERTS_DISPATCH_TICK_MS 1000)
  expect(await alertConnections(off)).toBe(0);

  // Another replica on the same database with it on: alerting as today, its own pool.
  on = await startTestApi({
    db: off.db,
    env: { API_BACKGROUND_JOBS: 'true', ALERTS_DISPATCH_TICK_MS: '0', ALERTS_DELIVERY_CONCURRENCY: '1' },
  });
  expect(on.api.deps.alerts).toBeDefined();
  expect(await on.api.deps.alerts!.dispatch()).toBe(0);
  expect(await on.api.deps.alerts!.decay()).toEqual({ rescored: 0, dropped: 0 });
  expect(await alertConnections(on)).toBeGreaterThan(0);
  await on.close();
  on = undefined;
  // Closed with its replica (a backend leaves pg_stat_activity a moment after its client hangs up).
  await waitFor('the alert pool gone', async () => (await alertConnections(off)) === 0);
});
