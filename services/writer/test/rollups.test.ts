import { rebuildRollups, verifyRollups } from '@beacon/db';
import { storeBatch } from '../src/store.js';
import { job, makeRow, killWritersMidStream, useQueueWorld } from './helpers.js';

// Rollups (docs/rollups.md) kept by the writer in its insert transaction. Real collaborators: a
// throwaway PostgreSQL database, the shared Redis under a unique prefix, writer processes
// (`node services/writer/dist/main.js`) killed with SIGKILL mid-stream.
const SITES = ['r_site_0', 'r_site_1', 'r_site_2'];
const TOTAL = 20_000;

const w = useQueueWorld('rollups', [...SITES, 'r_small']);

const pick = <T>(xs: readonly T[], i: number): T => xs[i % xs.length]!;

/**
 * Rows with every rolled-up dimension varied, sessions spread over several jobs and UTC hours (30 h of
 * traffic), 1 in 10 rows "late" (a day or two in the past), bots, rows without session or client id.
 */
function richRows(total: number, sessions: number): Record<string, unknown>[] {
  const t0 = Date.UTC(2026, 9, 1, 0, 0, 0);
  const rows: Record<string, unknown>[] = [];
  for (let i = 0; i < total; i++) {
    const s = i % sessions;
    const late = i % 10 === 7;
    const ts =
      t0 +
      48 * 3_600_000 +
      (late ? -((i % 40) + 1) * 3_600_000 : Math.floor((i / total) * 30 * 3_600_000) + (s % 60) * 60_000);
    const page = i % 4 === 1 ? 'click' : 'page_view';
    rows.push(
      makeRow({
        server_timestamp: new Date(ts).toISOString(),
        site_id: pick(SITES, s),
        session_id: s % 53 === 0 ? null : `sess-${s}`,
        client_id: s % 71 === 0 ? null : `client-${s % 900}`,
        event_name: i % 13 === 5 ? 'signup' : page,
        page_url: `https://shop.example/p/${i % 37}`,
        page_path: i % 29 === 0 ? null : `/p/${i % 37}`,
        time_on_page: (i % 31) - 2,
        visitor_type: pick(['human', 'human', 'business', 'bot', null], s),
        country: pick(['DE', 'US', null, 'FR'], s),
        device_type: pick(['desktop', 'mobile', 'tablet'], s),
        browser: pick(['Chrome', 'Firefox', 'Safari'], s),
        os: pick(['Windows', 'macOS', 'Android', 'iOS'], s),
        referrer_domain: i % 3 === 0 ? pick(['google.com', 'news.ycombinator.com', ''], s) : null,
        referrer_class: i % 3 === 0 ? pick(['search', 'social', null], s) : null,
        channel: i % 3 === 0 ? pick(['organic_search', 'referral', 'direct'], s) : 'direct',
        utm_source: i % 6 === 0 ? pick(['newsletter', 'ads'], s) : null,
        utm_medium: i % 6 === 0 ? pick(['email', 'cpc'], s) : null,
        utm_campaign: i % 6 === 0 ? pick(['spring', 'launch', ''], s) : null,
        company_name: s % 5 === 0 ? pick(['Acme', 'Globex'], s) : null,
        company_domain: s % 5 === 0 ? pick(['acme.example', 'globex.example'], s) : null,
        company_industry: s % 5 === 0 ? 'Software' : null,
      }),
    );
  }
  return rows;
}

function chunked(rows: Record<string, unknown>[], perJob: number, idPrefix: string) {
  const jobs: { id: string; data: Record<string, unknown> }[] = [];
  for (let i = 0; i < rows.length; i += perJob)
    jobs.push({ id: `${idPrefix}-${jobs.length}`, data: job(rows.slice(i, i + perJob)) });
  return jobs;
}

async function stored(): Promise<number> {
  const { rows } = await w.db.pool.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM events WHERE site_id = ANY($1::text[])`,
    [SITES],
  );
  return rows[0]!.n;
}

it('kill -9 of writers mid-stream: every rollup equals a recomputation from events', async () => {
  const { kills, lastExitCode } = await killWritersMidStream(w, chunked(richRows(TOTAL, 3_000), 100, 'rj'), {
    env: { WRITER_BATCH_MAX_ROWS: '1500', WRITER_CONCURRENCY: '2' },
    pace: [20, 20],
    total: TOTAL,
    drill: { kills: 3, maxStep: 4_000, margin: 3_000 },
    stored,
  });
  expect(kills.every((n) => n < TOTAL)).toBe(true);
  expect(await stored()).toBe(TOTAL);
  for (const site of SITES) {
    expect(await verifyRollups(w.db.pool, site)).toEqual({ siteId: site, missing: 0, extra: 0 });
  }
  // The totals agree with events (bots left out), and rollups cover each site from the start.
  const { rows } = await w.db.pool.query(
    `
    SELECT (SELECT sum(events)::int FROM rollup_sessions WHERE site_id = ANY($1::text[])) AS rolled,
           (SELECT count(*)::int FROM events WHERE site_id = ANY($1::text[]) AND visitor_type IS DISTINCT FROM 'bot') AS raw,
           (SELECT count(*)::int FROM rollup_coverage WHERE site_id = ANY($1::text[]) AND since = '-infinity') AS covered`,
    [SITES],
  );
  expect(rows[0]).toEqual({ rolled: rows[0].raw, raw: rows[0].raw, covered: SITES.length });
  expect(rows[0].raw).toBeGreaterThan(TOTAL / 2);
  expect(lastExitCode).toBe(0);
}, 170_000);

it('a batch stored twice (retried job) counts once; rollups off forget coverage; rebuild restores it', async () => {
  const rows = richRows(600, 80).map((r) => ({ ...r, site_id: 'r_small' }));
  const first = await storeBatch(w.db.pool, rows, []);
  expect(first).toMatchObject({ inserted: 600, dead: [] });
  expect(first.rollupRows).toBeGreaterThan(0);
  const again = await storeBatch(w.db.pool, rows, []);
  expect(again).toMatchObject({ inserted: 0, rollupRows: 0 });
  expect(await verifyRollups(w.db.pool, 'r_small')).toEqual({ siteId: 'r_small', missing: 0, extra: 0 });

  // Late data for a past hour through a writer with rollups off: coverage goes, numbers are stale.
  const late = richRows(50, 10).map((r) => ({
    ...r,
    site_id: 'r_small',
    id: crypto.randomUUID(),
    visitor_type: 'human',
  }));
  await storeBatch(w.db.pool, late, [], { rollups: false });
  const cov = await w.db.pool.query(`SELECT since FROM rollup_coverage WHERE site_id = 'r_small'`);
  expect(cov.rowCount).toBe(0);
  expect((await verifyRollups(w.db.pool, 'r_small')).missing).toBeGreaterThan(0);

  // Repair: a rebuild of the site's hours (idempotent) brings rollups and coverage back.
  const report = await rebuildRollups(w.db.pool, { siteId: 'r_small', chunkHours: 12 });
  expect(report.chunks).toBeGreaterThan(1);
  expect(await verifyRollups(w.db.pool, 'r_small')).toEqual({ siteId: 'r_small', missing: 0, extra: 0 });
  await rebuildRollups(w.db.pool, {
    siteId: 'r_small',
    from: new Date(Date.UTC(2026, 9, 2)),
    to: new Date(Date.UTC(2026, 9, 3)),
  });
  expect(await verifyRollups(w.db.pool, 'r_small')).toEqual({ siteId: 'r_small', missing: 0, extra: 0 });
  const after = await w.db.pool.query(`SELECT since FROM rollup_coverage WHERE site_id = 'r_small'`);
  expect(after.rowCount).toBe(1);
});
