import { createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { once } from 'node:events';
import { Queue } from 'bullmq';
import { v7 as uuidv7 } from 'uuid';
import { parseConfig } from '@beacon/config';
import { createPool } from '@beacon/db';
import {
  encodeEnrichedJob,
  EVENT_COLUMN_NAMES,
  type EnrichedCompany,
  type EnrichedJob,
} from '@beacon/schema';
import { REDIS_URL, uniquePrefix } from '@beacon/testkit';
import { startWriter, type BatchCommitted } from '@beacon/writer';
import { median, percentile, report } from '../report.js';
import { psqlCopyEvents } from '../psql.js';
import { generateRows, toCsvLine, type Row } from '../rows.js';
import { benchDatabase } from './copy.js';
import { benchSettings, count, runs as runsOf } from '../settings.js';

const ROWS_PER_JOB = 100;
const SITES = Array.from({ length: 20 }, (_, i) => `benchsite${String(i).padStart(3, '0')}`);

/**
 * EnrichedJob version of the jobs: 2 (what the enricher sends: columns once, rows as value arrays) unless
 * BENCH_WRITER_JOB_V=1 (rows as objects naming every column).
 */
const JOB_V = benchSettings({ v: count('BENCH_WRITER_JOB_V', 2, 'events job version', 1, 2) }).v;

/** An events job of JOB_V for these rows. */
function eventsJob(rows: Row[], companies?: EnrichedCompany[]): EnrichedJob {
  if (JOB_V === 2) return encodeEnrichedJob(rows, EVENT_COLUMN_NAMES, companies);
  return companies ? { type: 'events', v: 1, rows, companies } : { type: 'events', v: 1, rows };
}

/** Jobs as the enricher sends them: 100 rows and the companies they name. */
function toJobs(rows: readonly Row[]): EnrichedJob[] {
  const jobs: EnrichedJob[] = [];
  for (let i = 0; i < rows.length; i += ROWS_PER_JOB) {
    const part = rows.slice(i, i + ROWS_PER_JOB);
    const companies = new Map<string, EnrichedCompany>();
    for (const r of part)
      if (r.company_domain)
        companies.set(String(r.company_domain), {
          domain: r.company_domain,
          name: r.company_name,
          industry: r.company_industry,
          employee_count: r.company_employee_count,
          revenue: r.company_revenue,
          enrichment_data: { source: 'bench' },
        } as unknown as EnrichedCompany);
    jobs.push(eventsJob(part, [...companies.values()]));
  }
  return jobs;
}

function writerConfig(url: string, prefix: string) {
  return parseConfig({
    ...process.env,
    DATABASE_URL: url,
    REDIS_URL,
    QUEUE_PREFIX: prefix,
    WRITER_METRICS_PORT: '0',
    LOG_LEVEL: 'warn',
  });
}

/** queue -> committed rows/s of the real writer (all jobs waiting in Redis before it starts). */
async function runWriter(
  rows: readonly Row[],
): Promise<{ rowsPerSec: number; batches: number; avgBatch: number }> {
  const db = await benchDatabase(SITES);
  const prefix = uniquePrefix('bench-writer');
  const queue = new Queue('events', { connection: { url: REDIS_URL }, prefix });
  try {
    const jobs = toJobs(rows);
    for (let i = 0; i < jobs.length; i += 50)
      await queue.addBulk(
        jobs.slice(i, i + 50).map((data, k) => ({ name: 'events', data, opts: { jobId: `j${i + k}` } })),
      );
    let inserted = 0;
    let batches = 0;
    let done!: () => void;
    const finished = new Promise<void>((r) => (done = r));
    const started = performance.now();
    const writer = await startWriter(writerConfig(db.url, prefix), {
      metricsPort: null,
      observer: {
        batchCommitted(b) {
          inserted += b.inserted;
          batches++;
          if (inserted >= rows.length) done();
        },
      },
    });
    await finished;
    const seconds = (performance.now() - started) / 1000;
    await writer.close();
    const { rows: check } = await db.pool.query(
      'SELECT (SELECT count(*) FROM events)::int AS events, (SELECT sum(events_count) FROM sessions)::int AS session_events',
    );
    if (check[0].events !== rows.length || check[0].session_events !== rows.length)
      throw new Error(`writer stored ${JSON.stringify(check[0])}, expected ${rows.length}`);
    return { rowsPerSec: rows.length / seconds, batches, avgBatch: rows.length / batches };
  } finally {
    await queue.obliterate({ force: true }).catch(() => undefined);
    await queue.close();
    await db.drop();
  }
}

/** Raw `psql \copy` of the same rows (CSV) into the same schema. */
async function runCopy(csv: string, n: number): Promise<number> {
  const db = await benchDatabase(SITES);
  try {
    return n / (await psqlCopyEvents(db.url, csv));
  } finally {
    await db.drop();
  }
}

/** The naive writer: one INSERT per event, 20 at a time on a pool of 20 (no sessions, no companies). */
async function runNaive(rows: readonly Row[]): Promise<number> {
  const db = await benchDatabase(SITES);
  const pool = createPool({ databaseUrl: db.url, applicationName: 'bench-naive', max: 20 });
  const cols = EVENT_COLUMN_NAMES.map((c) => `"${c}"`).join(', ');
  const params = EVENT_COLUMN_NAMES.map((_, i) => `$${i + 1}`).join(', ');
  const sql = `INSERT INTO events (${cols}) VALUES (${params}) ON CONFLICT (id, server_timestamp) DO NOTHING`;
  try {
    let next = 0;
    const started = performance.now();
    await Promise.all(
      Array.from({ length: 20 }, async () => {
        for (let i = next++; i < rows.length; i = next++) {
          const r = rows[i]!;
          await pool.query(
            sql,
            EVENT_COLUMN_NAMES.map((c) =>
              (c === 'properties' || c === 'ecommerce_data' || c === 'lead_data') && r[c] != null
                ? JSON.stringify(r[c])
                : r[c],
            ),
          );
        }
      }),
    );
    return rows.length / ((performance.now() - started) / 1000);
  } finally {
    await pool.end();
    await db.drop();
  }
}

/** Jobs produced at `rate` rows/s with server_timestamp = now; freshness = commit time - server_timestamp. */
async function runFreshness(
  template: readonly Row[],
  rate: number,
  seconds: number,
): Promise<{ p50: number; p95: number; p99: number; rows: number }> {
  const db = await benchDatabase(SITES);
  const prefix = uniquePrefix('bench-fresh');
  const queue = new Queue('events', { connection: { url: REDIS_URL }, prefix });
  const lat: number[] = [];
  const writer = await startWriter(writerConfig(db.url, prefix), {
    metricsPort: null,
    observer: {
      batchCommitted(b: BatchCommitted) {
        for (const ts of b.serverTimestamps) lat.push((b.committedAt - ts) / 1000);
      },
    },
  });
  let sent = 0;
  try {
    const started = performance.now();
    const tickMs = 50;
    let k = 0;
    while (performance.now() - started < seconds * 1000) {
      const due = Math.floor(((performance.now() - started) / 1000) * rate);
      const jobs = [];
      while (sent + ROWS_PER_JOB <= due) {
        const now = new Date();
        const rows = template
          .slice(
            sent % (template.length - ROWS_PER_JOB),
            (sent % (template.length - ROWS_PER_JOB)) + ROWS_PER_JOB,
          )
          .map((r) => ({
            ...r,
            id: uuidv7({ msecs: now.getTime() }),
            server_timestamp: now.toISOString(),
          }));
        jobs.push({ name: 'events', data: eventsJob(rows), opts: { jobId: `f${k++}` } });
        sent += ROWS_PER_JOB;
      }
      if (jobs.length) await queue.addBulk(jobs);
      await new Promise((r) => setTimeout(r, tickMs));
    }
    const until = Date.now() + 30_000;
    while (lat.length < sent && Date.now() < until) await new Promise((r) => setTimeout(r, 50));
  } finally {
    await writer.close();
    await queue.obliterate({ force: true }).catch(() => undefined);
    await queue.close();
    await db.drop();
  }
  return { p50: percentile(lat, 50), p95: percentile(lat, 95), p99: percentile(lat, 99), rows: sent };
}

/**
 * `pnpm bench writer`: rows/s through the writer (jobs waiting in Redis -> committed rows, sessions and
 * companies upserts included) against raw `psql \copy` of the same rows into the same schema and a
 * naive writer (one INSERT per event, pool of 20), all in this run; then freshness p95 with jobs
 * arriving at half of the writer's measured peak. The machine is shared: figures are noisy, compare the
 * ratios.
 */
export async function writerBench(): Promise<void> {
  const knobs = benchSettings({
    n: count('BENCH_ROWS', 100_000, 'rows'),
    naive: count('BENCH_NAIVE_ROWS', 20_000, 'rows of the naive INSERT baseline'),
    runs: runsOf(3),
    freshSeconds: count('BENCH_FRESH_SECONDS', 15, 'seconds of the freshness run'),
  });
  const { n, runs, freshSeconds } = knobs;
  const nNaive = Math.min(n, knobs.naive);
  const now = Date.now();
  const rows = [...generateRows(n, { siteIds: SITES, from: new Date(now - 3_600_000), to: new Date(now) })];
  const dir = await mkdtemp(join(tmpdir(), 'beacon-bench-writer-'));
  try {
    const csv = join(dir, 'events.csv');
    const out = createWriteStream(csv);
    for (const r of rows) if (!out.write(toCsvLine(r))) await once(out, 'drain');
    out.end();
    await once(out, 'finish');

    const copy: number[] = [];
    const writer: number[] = [];
    let shape = { batches: 0, avgBatch: 0 };
    for (let i = 0; i < runs; i++) {
      copy.push(await runCopy(csv, n));
      const w = await runWriter(rows);
      writer.push(w.rowsPerSec);
      shape = w;
      console.error(
        `run ${i + 1}/${runs}: \\copy ${Math.round(copy[i]!)} rows/s, writer ${Math.round(w.rowsPerSec)} rows/s (${w.batches} batches)`,
      );
    }
    const naive = await runNaive(rows.slice(0, nNaive));
    const peak = median(writer);
    const fresh = await runFreshness(rows, peak / 2, freshSeconds);
    const base = median(copy);
    // Each run loads \copy and the writer back to back: the ratio within a run is less exposed to other
    // load on a shared machine than the ratio of the medians.
    const paired = median(writer.map((w, i) => w / copy[i]!));
    await report(
      'writer',
      [
        {
          name: `psql \\copy, ${n} rows (PK + 9 idx)`,
          value: Math.round(base),
          unit: 'rows/s',
          ratio: 1,
          baseline: '(baseline)',
        },
        {
          name: `writer queue->committed (+sessions, companies), EnrichedJob v${JOB_V}`,
          value: Math.round(peak),
          unit: 'rows/s',
          ratio: peak / base,
          baseline: 'of psql \\copy (medians)',
        },
        {
          name: 'writer / \\copy, median of per-run ratios',
          value: Math.round(paired * 100) / 100,
          unit: 'x',
          ratio: paired,
          baseline: 'of psql \\copy (paired)',
        },
        {
          name: `naive: 1 INSERT per event, pool 20 (${nNaive} rows)`,
          value: Math.round(naive),
          unit: 'rows/s',
          ratio: naive / base,
          baseline: 'of psql \\copy',
        },
        {
          name: 'writer vs naive',
          value: Math.round((peak / naive) * 100) / 100,
          unit: 'x',
          ratio: peak / naive,
          baseline: 'of naive',
        },
        {
          name: `freshness p50 at ${Math.round(peak / 2)} rows/s (half peak)`,
          value: Math.round(fresh.p50 * 1000),
          unit: 'ms',
        },
        { name: 'freshness p95 at half peak', value: Math.round(fresh.p95 * 1000), unit: 'ms' },
        { name: 'freshness p99 at half peak', value: Math.round(fresh.p99 * 1000), unit: 'ms' },
      ],
      {
        rows: n,
        runs,
        jobVersion: JOB_V,
        copy,
        writer,
        pairedRatio: paired,
        naive,
        batches: shape.batches,
        avgBatchRows: shape.avgBatch,
        freshness: fresh,
        settings: writerConfig('postgres://x/y', 'p').writer,
      },
    );
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
