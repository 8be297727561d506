import { killWritersMidStream, sessionMismatches, streamJobs, useQueueWorld } from './helpers.js';

// Real processes: each writer is `node services/writer/dist/main.js` (built by `pnpm build`), killed with
// SIGKILL at random points while a stream of 50,000 events flows through the shared Redis (unique prefix)
// into a throwaway PostgreSQL database.
const TOTAL = 50_000;
const SESSIONS = 10_000;
const SITES = ['site_0', 'site_1', 'site_2', 'site_3'];

const w = useQueueWorld('crash', SITES);

async function stored(): Promise<number> {
  const { rows } = await w.db.pool.query<{ n: string }>('SELECT count(*) AS n FROM events');
  return Number(rows[0]!.n);
}

it('kill -9 of the writer mid-stream, several times: exactly 50,000 rows and exact session counters', async () => {
  const { kills, lastExitCode } = await killWritersMidStream(w, streamJobs(TOTAL, 100, SESSIONS, SITES), {
    env: { WRITER_BATCH_MAX_ROWS: '2000' },
    pace: [20, 30],
    total: TOTAL,
    drill: { kills: 4, maxStep: 6_000, margin: 5_000 },
    stored,
  });
  expect(kills.every((n) => n < TOTAL)).toBe(true);
  const { rows } = await w.db.pool.query(
    'SELECT count(*)::int AS n, count(DISTINCT id)::int AS ids FROM events',
  );
  expect(rows[0]).toEqual({ n: TOTAL, ids: TOTAL });
  expect(await sessionMismatches(w.db.pool)).toBe(0);
  const { rows: s } = await w.db.pool.query(
    'SELECT count(*)::int AS n, sum(events_count)::int AS events FROM sessions',
  );
  expect(s[0]).toEqual({ n: SESSIONS, events: TOTAL });
  expect(lastExitCode).toBe(0);
}, 170_000);
