import { failByStalling } from '@beacon/testkit';
import { job, makeRow, useQueueWorld, waitFor } from './helpers.js';

// Every events job that fails for good lands in dead_events with its reason (real Redis, real
// PostgreSQL). The failures are made by BullMQ itself: a holder that died more often than
// maxStalledCount allows, and a job that is not an events job.
const w = useQueueWorld('writer-dead', ['site_a']);

const deadOf = async (ids: string[]) =>
  (
    await w.db.pool.query<{ id: string; stage: string; error: string; site_id: string; payload: unknown }>(
      `SELECT id, stage, error, site_id, payload FROM dead_events WHERE id = ANY($1::uuid[]) ORDER BY id`,
      [ids],
    )
  ).rows;

test('a job whose holders kept dying fails for good and its rows (those not stored) land in dead_events', async () => {
  const stored = makeRow({ session_id: 'dead-1' });
  const lost = [makeRow({ session_id: 'dead-2' }), makeRow({ session_id: 'dead-3' })];
  // One row made it to PostgreSQL before the holder died (committed, job never completed).
  await w.db.pool.query(
    `INSERT INTO events (id, site_id, event_name, server_timestamp) VALUES ($1, 'site_a', 'page_view', $2)`,
    [stored.id, stored.server_timestamp],
  );
  const added = await w.queue.add('events', job([stored, ...lost]));
  // A holder takes the job and dies (its lock is never renewed), and a stalled check that allows no
  // stall marks it failed, as BullMQ does past maxStalledCount (the next worker to take it fails it).
  expect(await failByStalling(w.queue, w.prefix)).toBe(added.id);
  expect((await w.queue.getJob(added.id!))!.deferredFailure).toMatch(/stalled more than allowable limit/);

  const writer = await w.startWriter();
  const rows = await waitFor('the dead letters', async () => {
    const r = await deadOf([stored, ...lost].map((x) => x.id as string));
    return r.length === 2 ? r : undefined;
  });
  expect(rows.map((r) => r.id).sort()).toEqual(lost.map((x) => x.id).sort());
  for (const r of rows) {
    expect(r.stage).toBe('writer');
    expect(r.site_id).toBe('site_a');
    expect(r.error).toMatch(
      new RegExp(`job ${added.id} of events failed for good.*stalled more than allowable limit`),
    );
    expect(r.payload).toMatchObject({ session_id: expect.stringMatching(/^dead-[23]$/) });
  }
  // In the site's ingestion health once per dead row (two of the job's three), with the dead letters.
  const health = await w.db.pool.query(
    `SELECT outcome, reason, sum(count)::int AS n FROM ingestion_health WHERE site_id = 'site_a' GROUP BY 1, 2`,
  );
  expect(health.rows).toEqual([{ outcome: 'dead_lettered', reason: 'writer', n: 2 }]);
  // Out of Redis: nothing left in `failed` to be forgotten.
  await waitFor('the failed job removed', async () => (await w.queue.getJob(added.id!)) === undefined);
  expect(await w.queue.getJobCounts('failed')).toEqual({ failed: 0 });
  const text = await writer.registry.getSingleMetricAsString('beacon_failed_jobs_dead_lettered_total');
  expect(text).toMatch(/beacon_failed_jobs_dead_lettered_total\{queue="events"[^}]*\} 1/);
});

test('a job that is not an events job is failed at once and kept whole in dead_events', async () => {
  const bad = await w.queue.add('e', { type: 'events', v: 2, columns: ['id', 'site_id'], rows: [['x']] });
  const row = await waitFor('the bad job in dead_events', async () => {
    const r = await w.db.pool.query<{
      stage: string;
      error: string;
      payload: { job: unknown; job_id: string };
    }>(`SELECT stage, error, payload FROM dead_events WHERE payload->>'job_id' = $1`, [bad.id]);
    return r.rows[0];
  });
  expect(row.stage).toBe('writer');
  expect(row.error).toMatch(/row 0 has 1 values for 2 columns/);
  expect(row.payload.job).toEqual({ type: 'events', v: 2, columns: ['id', 'site_id'], rows: [['x']] });
  await waitFor('the failed job removed', async () => (await w.queue.getJob(bad.id!)) === undefined);
});
