import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Queue } from 'bullmq';
import { v7 as uuidv7 } from 'uuid';
import { startApi, type ApiHandle } from '@beacon/api';
import { parseConfig } from '@beacon/config';
import { createLogger, createRegistry } from '@beacon/observability';
import { encodeEnrichedJob, EVENT_COLUMN_NAMES } from '@beacon/schema';
import { REDIS_URL, uniquePrefix, type TestDatabase } from '@beacon/testkit';
import { startWriter } from '@beacon/writer';
import { median, percentile, report } from '../report.js';
import { generateRows, type Row } from '../rows.js';
import { benchDatabase } from './copy.js';

const SITES = Array.from({ length: 20 }, (_, i) => `alertsite${String(i).padStart(3, '0')}`);
const RULES_PER_SITE = 5; // 100 rules in all
const ROWS_PER_JOB = 100;

/** A loopback receiver counting deliveries and when each company's first one arrived. */
async function receiver() {
  const arrivals = new Map<string, number>();
  let count = 0;
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c));
    req.on('end', () => {
      count++;
      const domain = /"domain":"([^"]+)"/.exec(body.slice(body.indexOf('"company"')))?.[1];
      if (domain && !arrivals.has(domain)) arrivals.set(domain, Date.now());
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`,
    arrivals,
    count: () => count,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

function config(db: TestDatabase, prefix: string) {
  return parseConfig({
    ...process.env,
    DATABASE_URL: db.url,
    REDIS_URL,
    QUEUE_PREFIX: prefix,
    LOG_LEVEL: 'warn',
    WRITER_METRICS_PORT: '0',
    NODE_ENV: 'test',
    API_JWT_SECRET: randomBytes(32).toString('hex'),
    ALERTS_ALLOW_LOOPBACK_RECEIVERS_TEST_ONLY: 'true', // the bench's own receiver on loopback
    ALERTS_DISPATCH_TICK_MS: '200',
  });
}

/** 100 rules (5 per site, different conditions) sending to one webhook endpoint per site. */
async function seedRules(db: TestDatabase, url: string): Promise<void> {
  await db.pool.query(
    `WITH e AS (
       INSERT INTO alert_endpoints (agency_id, site_id, name, kind, url, secret)
       SELECT agency_id, id, 'bench', 'webhook', $1, 'whsec_bench' FROM sites RETURNING id, agency_id, site_id)
     INSERT INTO company_alert_rules (agency_id, site_id, name, visitor, min_score, cooldown_h, endpoint_ids)
     SELECT e.agency_id, e.site_id, 'rule ' || k, (ARRAY['any','new','returning','any','any'])[k],
            CASE WHEN k = 4 THEN 30 END, 24, ARRAY[e.id]
     FROM e CROSS JOIN generate_series(1, $2) k`,
    [url, RULES_PER_SITE],
  );
}

async function withStack<T>(
  rules: boolean,
  fn: (s: {
    db: TestDatabase;
    api: ApiHandle;
    queue: Queue;
    rx: Awaited<ReturnType<typeof receiver>>;
    prefix: string;
  }) => Promise<T>,
): Promise<T> {
  const db = await benchDatabase(SITES);
  const rx = await receiver();
  const prefix = uniquePrefix('bench-alerts');
  const queue = new Queue('events', { connection: { url: REDIS_URL }, prefix });
  if (rules) await seedRules(db, rx.url);
  const api = await startApi(config(db, prefix), {
    port: 0,
    host: '127.0.0.1',
    redis: null,
    opsPort: null,
    logger: createLogger('api', 'warn'),
    registry: createRegistry('api', { defaultMetrics: false }),
  });
  try {
    return await fn({ db, api, queue, rx, prefix });
  } finally {
    await api.close();
    await queue.obliterate({ force: true }).catch(() => undefined);
    await queue.close();
    await rx.close();
    await db.drop();
  }
}

/** Writer rows/s with the API's dispatcher and delivery worker running beside it. */
async function writerRate(
  rows: readonly Row[],
  rules: boolean,
): Promise<{ rowsPerSec: number; delivered: number }> {
  return withStack(rules, async ({ db, queue, rx, prefix }) => {
    for (let i = 0; i < rows.length; i += ROWS_PER_JOB * 50)
      await queue.addBulk(
        Array.from({ length: Math.min(50, Math.ceil((rows.length - i) / ROWS_PER_JOB)) }, (_, k) => {
          const part = rows.slice(i + k * ROWS_PER_JOB, i + (k + 1) * ROWS_PER_JOB);
          return {
            name: 'events',
            data: encodeEnrichedJob(part, EVENT_COLUMN_NAMES),
            opts: { jobId: `j${i}-${k}` },
          };
        }),
      );
    let inserted = 0;
    let done!: () => void;
    const finished = new Promise<void>((r) => (done = r));
    const started = performance.now();
    const writer = await startWriter(config(db, prefix), {
      metricsPort: null,
      observer: {
        batchCommitted(b) {
          inserted += b.inserted;
          if (inserted >= rows.length) done();
        },
      },
    });
    await finished;
    const seconds = (performance.now() - started) / 1000;
    await writer.close();
    return { rowsPerSec: rows.length / seconds, delivered: rx.count() };
  });
}

/** Hit -> webhook: one event of a new company per site every 100 ms; server_timestamp = the hit's receipt. */
export async function latency(
  seconds: number,
): Promise<{ total: number[]; toAlert: number[]; toDelivery: number[] }> {
  return withStack(true, async ({ db, queue, rx, prefix }) => {
    const writer = await startWriter(config(db, prefix), { metricsPort: null });
    const sent = new Map<string, number>();
    try {
      const template = [...generateRows(1, { siteIds: SITES, from: new Date(), to: new Date() })][0]!;
      const end = Date.now() + seconds * 1000;
      for (let i = 0; Date.now() < end; i++) {
        const at = Date.now();
        const domain = `lat${i}.example`;
        const row = {
          ...template,
          id: uuidv7(),
          site_id: SITES[i % SITES.length],
          server_timestamp: new Date(at).toISOString(),
          company_domain: domain,
          company_name: domain,
          visitor_type: 'business',
          event_name: 'page_view',
        };
        sent.set(domain, at);
        await queue.add('events', encodeEnrichedJob([row], EVENT_COLUMN_NAMES));
        await new Promise((r) => setTimeout(r, 100));
      }
      const until = Date.now() + 30_000;
      while (rx.arrivals.size < sent.size && Date.now() < until) await new Promise((r) => setTimeout(r, 100));
    } finally {
      await writer.close();
    }
    // Stages: hit -> alert committed by the dispatcher (writer + dispatcher), alert -> first delivery.
    const { rows: stages } = await db.pool.query<{
      domain: string;
      alert_ms: number;
      delivered_ms: number | null;
    }>(
      `SELECT a.domain, min(extract(epoch FROM a.created_at) * 1000)::float8 AS alert_ms,
              min(extract(epoch FROM d.delivered_at) * 1000)::float8 AS delivered_ms
       FROM company_alerts a JOIN alert_deliveries d ON d.alert_id = a.id GROUP BY a.domain`,
    );
    return {
      total: [...sent].map(([d, at]) => (rx.arrivals.get(d) ?? Infinity) - at),
      toAlert: stages.map((r) => r.alert_ms - sent.get(r.domain)!),
      toDelivery: stages.map((r) => (r.delivered_ms ?? Infinity) - r.alert_ms),
    };
  });
}

/**
 * `pnpm bench alerts`: the writer's throughput with 100 company alert rules (20 sites) against rules
 * off, in the same run (the dispatcher and delivery worker run beside it in an API process), and the
 * latency from a stored hit to its webhook.
 */
export async function alertsBench(): Promise<void> {
  const n = Number(process.env.BENCH_ROWS ?? 50_000);
  const runs = Number(process.env.BENCH_RUNS ?? 2);
  const now = Date.now();
  const rows = [...generateRows(n, { siteIds: SITES, from: new Date(now - 3_600_000), to: new Date(now) })];
  const off: number[] = [];
  const on: number[] = [];
  let delivered = 0;
  for (let i = 0; i < runs; i++) {
    off.push((await writerRate(rows, false)).rowsPerSec);
    const r = await writerRate(rows, true);
    on.push(r.rowsPerSec);
    delivered = r.delivered;
    console.error(
      `run ${i + 1}/${runs}: rules off ${Math.round(off[i]!)} rows/s, 100 rules ${Math.round(on[i]!)} rows/s`,
    );
  }
  const stages = await latency(Number(process.env.BENCH_ALERT_SECONDS ?? 20));
  const lat = stages.total;
  const paired = median(on.map((v, i) => v / off[i]!));
  await report(
    'alerts',
    [
      { name: `writer, rules off, ${n} rows`, value: Math.round(median(off)), unit: 'rows/s' },
      {
        name: 'writer, 100 alert rules',
        value: Math.round(median(on)),
        unit: 'rows/s',
        ratio: paired,
        baseline: 'vs rules off (goal >= 0.9)',
      },
      { name: 'alert latency hit -> webhook p50', value: Math.round(percentile(lat, 50)), unit: 'ms' },
      {
        name: 'alert latency hit -> webhook p95',
        value: Math.round(percentile(lat, 95)),
        unit: 'ms',
        baseline: 'goal < 5000',
      },
    ],
    {
      deliveredDuringThroughputRun: delivered,
      latencySamples: lat.length,
      undelivered: lat.filter((x) => !Number.isFinite(x)).length,
    },
  );
}
