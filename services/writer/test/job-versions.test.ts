import { encodeEnrichedJob, EVENT_COLUMN_NAMES } from '@beacon/schema';
import { parseEventsJob } from '../src/job.js';
import { job, makeRow, useQueueWorld, waitFor } from './helpers.js';

// EnrichedJob v1 (row objects) and v2 (columns once, rows as value arrays) through a real writer:
// real PostgreSQL (throwaway database), real Redis (unique BullMQ prefix).
const w = useQueueWorld('writer-v', ['site_a']);
beforeAll(() => w.startWriter());

async function settled(): Promise<void> {
  await waitFor('the events queue to settle', async () => {
    const c = await w.queue.getJobCounts('waiting', 'active', 'delayed', 'prioritized');
    return Object.values(c).every((n) => n === 0);
  });
}

const COLUMNS =
  'id, site_id, event_name, server_timestamp, page_url, page_title, time_on_page, properties, city';

describe('events jobs of both versions', () => {
  it('stores a v2 job exactly as the same rows in a v1 job, whatever the column order', async () => {
    const awkward = {
      page_title: 'tab\t, newline\n, backslash \\N, "q" 😀',
      city: 'Zürich',
      time_on_page: 7,
    };
    const t = ['2026-11-24T10:00:00.000Z', '2026-11-24T10:00:01.000Z'];
    const pair = (session: string) => [
      makeRow({ session_id: session, server_timestamp: t[0], ...awkward }),
      makeRow({ session_id: session, server_timestamp: t[1], city: null }),
    ];
    const v1Rows = pair('v1');
    const v2Rows = pair('v2');
    // An enricher's column order need not be EVENT_COLUMNS': the writer reads by name.
    const reversed = [...EVENT_COLUMN_NAMES].reverse();
    await w.queue.add('e', job(v1Rows));
    await w.queue.add(
      'e',
      encodeEnrichedJob(v2Rows, reversed, [
        { domain: 'v2.example', name: 'V2 Ltd', industry: 'Software', employee_count: null, revenue: null },
      ]),
    );
    await settled();
    const stored = async (session: string) =>
      (
        await w.db.pool.query(`SELECT ${COLUMNS} FROM events WHERE session_id = $1 ORDER BY id`, [session])
      ).rows.map(({ id: _id, ...rest }) => rest);
    const a = await stored('v1');
    expect(a).toHaveLength(2);
    expect(await stored('v2')).toEqual(a);
    expect(a[0]).toMatchObject(awkward);
    const { rows: s } = await w.db.pool.query("SELECT events_count FROM sessions WHERE session_id = 'v2'");
    expect(s[0].events_count).toBe(2);
    const { rows: c } = await w.db.pool.query("SELECT name FROM companies WHERE domain = 'v2.example'");
    expect(c[0]?.name).toBe('V2 Ltd');
    expect(await w.queue.getJobCounts('failed')).toEqual({ failed: 0 });
  });

  it('a v2 job re-delivered after completion (a retried raw job) inserts nothing twice', async () => {
    const rows = [makeRow({ session_id: 'v2-again' }), makeRow({ session_id: 'v2-again' })];
    await w.queue.add('e', encodeEnrichedJob(rows), { jobId: 'raw-1', removeOnComplete: true });
    await settled();
    expect(await w.queue.getJob('raw-1')).toBeUndefined(); // removed on completion, as the enricher asks
    await w.queue.add('e', encodeEnrichedJob(rows), { jobId: 'raw-1', removeOnComplete: true });
    await settled();
    const { rows: n } = await w.db.pool.query(
      "SELECT count(*)::int AS n FROM events WHERE session_id = 'v2-again'",
    );
    expect(n[0].n).toBe(2);
    const { rows: s } = await w.db.pool.query(
      "SELECT events_count FROM sessions WHERE session_id = 'v2-again'",
    );
    expect(s[0].events_count).toBe(2);
  });

  it('fails a v2 job whose rows do not match its columns, without retry', async () => {
    const bad = await w.queue.add('e', { type: 'events', v: 2, columns: ['id', 'site_id'], rows: [['x']] });
    // Failed for good: the failed-job sweeper moves it to dead_events with the reason.
    const dead = await waitFor('the bad job in dead_events', async () => {
      const r = await w.db.pool.query<{ error: string }>(
        `SELECT error FROM dead_events WHERE payload->>'job_id' = $1`,
        [bad.id],
      );
      return r.rows[0];
    });
    expect(dead.error).toMatch(/after 1 attempt\(s\): .*row 0 has 1 values for 2 columns/);
  });
});

describe('parseEventsJob', () => {
  it('decodes both versions to row objects and keeps the companies', () => {
    const r = makeRow();
    const v1 = parseEventsJob({ type: 'events', v: 1, rows: [r] });
    const v2 = parseEventsJob(JSON.parse(JSON.stringify(encodeEnrichedJob([r]))));
    expect(v1.success && v2.success).toBe(true);
    if (!v1.success || !v2.success) return;
    expect(v2.data.rows).toEqual(v1.data.rows);
    expect(v2.data.v).toBe(2);
    expect(parseEventsJob({ type: 'events', v: 2, columns: ['id'], rows: [{ id: 'x' }] }).success).toBe(
      false,
    );
    expect(parseEventsJob({ type: 'events', v: 1, rows: [['x']] }).success).toBe(false);
    expect(parseEventsJob({ type: 'raw', v: 1, requests: [] }).success).toBe(false);
  });
});
