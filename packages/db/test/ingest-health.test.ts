import { HealthTally, runRetention, writeJobHealthCounts } from '@beacon/db';
import { useTestDatabase } from '@beacon/testkit';

// ingestion_health: a job's counts are added once per job id (a retry adds nothing), and the retention
// run deletes hours past INGEST_HEALTH_RETENTION_DAYS (and old job markers) in bounded batches. Real
// PostgreSQL.
const NOW = new Date('2026-11-15T12:00:00Z');
const HOUR = 3_600_000;
const db = useTestDatabase();

const countOf = async (site: string, reason: string): Promise<number> =>
  Number(
    (
      await db.pool.query(
        `SELECT COALESCE(sum(count), 0)::bigint AS n FROM ingestion_health WHERE site_id = $1 AND reason = $2`,
        [site, reason],
      )
    ).rows[0].n,
  );

function tally(site: string, hourMs: number, reason: string, n: number): Map<string, number> {
  const t = new HealthTally();
  t.add(site, hourMs, 'dropped', reason, n);
  return t.take();
}

it('adds a job’s counts once: the same job id written again adds nothing, another job adds', async () => {
  const hour = NOW.getTime() - (NOW.getTime() % HOUR);
  expect(await writeJobHealthCounts(db.pool, 'job-a', tally('once0001', hour, 'bot:no_user_agent', 3))).toBe(
    true,
  );
  expect(await writeJobHealthCounts(db.pool, 'job-a', tally('once0001', hour, 'bot:no_user_agent', 3))).toBe(
    false,
  );
  expect(await countOf('once0001', 'bot:no_user_agent')).toBe(3);
  expect(await writeJobHealthCounts(db.pool, 'job-b', tally('once0001', hour, 'bot:no_user_agent', 2))).toBe(
    true,
  );
  expect(await countOf('once0001', 'bot:no_user_agent')).toBe(5);
});

it('deletes hours past the retention days and old job markers, keeps the rest; a dry run only counts', async () => {
  const at = (daysAgo: number) => new Date(NOW.getTime() - daysAgo * 24 * HOUR);
  for (const [daysAgo, reason] of [
    [500, 'old1'],
    [401, 'old2'],
    [401.5, 'old3'],
    [399, 'kept1'],
    [1, 'kept2'],
  ] as const)
    await db.pool.query(
      `INSERT INTO ingestion_health (site_id, hour, outcome, reason, count) VALUES ('keep0001', $1, 'dropped', $2, 1)`,
      [at(daysAgo), reason],
    );
  await db.pool.query(
    `INSERT INTO ingestion_health_jobs (job_id, counted_at) VALUES ('old-job', $1), ('new-job', $2)`,
    [at(8), at(1)],
  );
  const reasons = async () =>
    (
      await db.pool.query(`SELECT reason FROM ingestion_health WHERE site_id = 'keep0001' ORDER BY reason`)
    ).rows.map((r) => r.reason);
  const opts = { defaultMonths: 13, batchSize: 2, ingestHealthDays: 400, now: NOW };

  const dry = await runRetention(db.pool, { ...opts, dryRun: true });
  expect(dry.deletedHealthRows).toBe(3);
  expect(await reasons()).toHaveLength(5);

  const report = await runRetention(db.pool, opts);
  expect(report.deletedHealthRows).toBe(3);
  expect(await reasons()).toEqual(['kept1', 'kept2']);
  const { rows: jobs } = await db.pool.query(
    `SELECT job_id FROM ingestion_health_jobs WHERE job_id IN ('old-job', 'new-job')`,
  );
  expect(jobs).toEqual([{ job_id: 'new-job' }]);
  // The counts of the first test (this hour) are untouched.
  expect(await countOf('once0001', 'bot:no_user_agent')).toBe(5);

  // Without the setting, nothing is deleted.
  await db.pool.query(
    `INSERT INTO ingestion_health (site_id, hour, outcome, reason, count) VALUES ('keep0001', $1, 'dropped', 'old4', 1)`,
    [at(900)],
  );
  expect((await runRetention(db.pool, { defaultMonths: 13, batchSize: 2, now: NOW })).deletedHealthRows).toBe(
    0,
  );
});
