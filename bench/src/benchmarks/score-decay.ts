import { randomBytes } from 'node:crypto';
import { startApi } from '@beacon/api';
import { parseConfig } from '@beacon/config';
import { createLogger, createRegistry } from '@beacon/observability';
import { REDIS_URL, uniquePrefix } from '@beacon/testkit';
import { report } from '../report.js';
import { benchDatabase } from './copy.js';

const SITES = Array.from({ length: 10 }, (_, i) => `decaysite${String(i).padStart(2, '0')}`);

/**
 * `pnpm bench score-decay`: the lead score decay pass (docs/lead-score.md) on BENCH_COMPANIES companies
 * (default 5,000, one pass's bound) of 10 sites, 5 page views each 40 days ago: scores/s and the
 * pass's duration, against the dispatcher scoring the same companies from outbox rows (the path after
 * a visit) in the same run.
 */
export async function scoreDecayBench(): Promise<void> {
  const n = Number(process.env.BENCH_COMPANIES ?? 5_000);
  const db = await benchDatabase(SITES);
  const api = await startApi(
    parseConfig({
      DATABASE_URL: db.url,
      REDIS_URL,
      QUEUE_PREFIX: uniquePrefix('bench-decay'),
      LOG_LEVEL: 'warn',
      NODE_ENV: 'test',
      API_JWT_SECRET: randomBytes(32).toString('hex'),
      ALERTS_DISPATCH_TICK_MS: '0',
      ALERTS_DELIVERY_CONCURRENCY: '0',
      LEAD_SCORE_DECAY_TICK_S: '0',
    }),
    {
      port: 0,
      host: '127.0.0.1',
      redis: null,
      logger: createLogger('api', 'warn'),
      registry: createRegistry('api'),
    },
  );
  try {
    await db.pool.query(`SELECT * FROM beacon_ensure_event_partitions(now() - interval '3 months', 4)`);
    // n companies spread over the sites, 5 page views each, 40 days ago; one outbox row per company.
    await db.pool.query(
      `INSERT INTO events (id, site_id, event_name, server_timestamp, session_id, client_id, page_path, page_url,
         company_domain, company_name, country, time_on_page, visitor_type)
       SELECT gen_random_uuid(), s, 'page_view', now() - interval '40 days' + k * interval '1 second', 's' || c,
              'c' || c, '/p' || k, 'https://x.example/p' || k, 'co' || c || '.example', 'Co ' || c, 'DE', 30, 'business'
       FROM generate_series(1, $1::int) c, generate_series(1, 5) k,
            LATERAL (SELECT ($2::text[])[1 + c % $3::int] AS s) site`,
      [n, SITES, SITES.length],
    );
    await db.pool.query(
      `INSERT INTO company_activity_outbox (site_id, domain, events, page_paths, first_at, last_at)
       SELECT site_id, company_domain, count(*), array_agg(DISTINCT page_path), min(server_timestamp), max(server_timestamp)
       FROM events GROUP BY site_id, company_domain`,
    );
    await db.pool.query('ANALYZE');
    const alerts = api.deps.alerts!;
    let t = performance.now();
    const dispatched = await alerts.dispatch();
    const dispatchS = (performance.now() - t) / 1000;
    // The scores as if computed when the companies visited: due for decay.
    await db.pool.query(`UPDATE company_scores SET computed_at = last_seen`);
    t = performance.now();
    const r = await alerts.decay();
    const decayS = (performance.now() - t) / 1000;
    if (dispatched !== n || r.rescored !== n)
      throw new Error(`scored ${dispatched} / decayed ${r.rescored} of ${n}`);
    await report('score-decay', [
      { name: `dispatcher after visits, ${n} companies`, value: Math.round(n / dispatchS), unit: 'scores/s' },
      {
        name: `decay pass, ${n} companies`,
        value: Math.round(n / decayS),
        unit: 'scores/s',
        ratio: dispatchS / decayS,
        baseline: 'vs the dispatcher',
      },
      { name: 'decay pass duration', value: Math.round(decayS * 1000), unit: 'ms' },
    ]);
  } finally {
    await api.close();
    await db.drop();
  }
}
