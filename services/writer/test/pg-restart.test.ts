import type { Queue } from 'bullmq';
import { uniquePrefix } from '@beacon/testkit';
import { startWriter, type WriterHandle } from '../src/index.js';
import { eventsQueue, produce, queueEmpty, streamJobs, waitFor, writerConfig } from './helpers.js';
import { PrivatePostgres } from './private-pg.js';

// PostgreSQL is a private cluster started by this test (it is stopped and restarted: never the shared
// server); Redis is the shared one with a unique prefix; the writer runs in this process so the test can
// watch its readiness.
const TOTAL = 30_000;
const SITES = ['site_0', 'site_1', 'site_2'];

let pgc: PrivatePostgres;
let queue: Queue;
let writer: WriterHandle | undefined;

beforeAll(async () => {
  pgc = await PrivatePostgres.create();
  await pgc.createDatabase();
  await pgc.query(`INSERT INTO agencies (id, name, api_key) VALUES ('00000000-0000-4000-8000-000000000001', 't', 'x');
    INSERT INTO sites (agency_id, name, domain, script_id)
    SELECT '00000000-0000-4000-8000-000000000001', s, s || '.example', s FROM unnest(ARRAY['${SITES.join("','")}']) s`);
  queue = eventsQueue(uniquePrefix('pgrestart'));
}, 60_000);

afterAll(async () => {
  await writer?.close();
  await queue?.obliterate({ force: true }).catch(() => undefined);
  await queue?.close();
  await pgc?.destroy();
});

async function stored(): Promise<number> {
  try {
    return Number((await pgc.query<{ n: string }>('SELECT count(*) AS n FROM events'))[0]!.n);
  } catch {
    return -1;
  }
}

it('PostgreSQL restarted and stopped while loading: the writer backs off, is not ready, resumes; exact counts', async () => {
  const config = writerConfig(pgc.url(), queue.opts.prefix!, { WRITER_BATCH_MAX_ROWS: '2000' });
  writer = await startWriter(config, { metricsPort: 0 });
  const producing = produce(queue, streamJobs(TOTAL, 100, 5_000, SITES), 20, 20);
  const readyz = async () => (await fetch(`http://127.0.0.1:${writer!.port}/readyz`)).status;

  await waitFor('some rows', async () => (await stored()) > 3_000);
  await pgc.ctl('restart'); // fast shutdown: in-flight transactions are cut off
  await waitFor('more rows after the restart', async () => (await stored()) > 8_000);

  await pgc.ctl('stop');
  await waitFor('/readyz to say not ready', async () => (await readyz()) === 503, 20_000);
  await new Promise((r) => setTimeout(r, 500)); // jobs keep arriving in Redis meanwhile
  await pgc.ctl('start');
  await waitFor('/readyz ready again', async () => (await readyz()) === 200, 30_000);

  await producing;
  await waitFor(
    'every row stored',
    async () => (await stored()) >= TOTAL && (await queueEmpty(queue)),
    60_000,
  );
  const [counts] = await pgc.query('SELECT count(*)::int AS n, count(DISTINCT id)::int AS ids FROM events');
  expect(counts).toEqual({ n: TOTAL, ids: TOTAL });
  const [mismatch] = await pgc.query(`
    SELECT count(*)::int AS n FROM (
      SELECT session_id, count(*) FILTER (WHERE event_name = 'page_view') AS pv, count(*) AS ec FROM events GROUP BY session_id) e
    FULL JOIN sessions s USING (session_id)
    WHERE s.page_views IS DISTINCT FROM e.pv::int OR s.events_count IS DISTINCT FROM e.ec::int`);
  expect(mismatch).toEqual({ n: 0 });
  const metrics = await writer.registry.getSingleMetricAsString('beacon_writer_batches_total');
  expect(metrics).toMatch(/outcome="retried"[^}]*\} [1-9]/);
}, 150_000);
