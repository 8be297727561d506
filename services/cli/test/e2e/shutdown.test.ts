import { randomBytes } from 'node:crypto';
import { Queue } from 'bullmq';
import { QUEUE_EVENTS, QUEUE_HITS } from '@beacon/schema';
import { waitFor } from '@beacon/testkit';
import { seed, sendBatch, type Seeded, type ServiceName, useRunningStack } from './harness.js';
import { CHROME_UA } from '../user-agents.js';

// Real: the four services as `beacon serve` child processes on the machine's PostgreSQL and Redis.
// While a steady stream of batches goes to the collector, each stage gets a SIGTERM (and is started
// again): every hit answered 202 must end up as exactly one row in events, and nothing else.

const SHUTDOWN_TIMEOUT_MS = 15_000;
const UA = CHROME_UA;

let site: Seeded;
const w = useRunningStack('e2e-term', {
  env: {
    SHUTDOWN_TIMEOUT_MS: String(SHUTDOWN_TIMEOUT_MS),
    // Geo/ASN data play no part here; without them the enricher restarts in a fraction of the time.
    ENRICHER_DEFAULT_GEO: 'false',
    ENRICHER_DEFAULT_ASN: 'false',
  },
  prepare: async ({ db }) => {
    site = await seed(db, { domain: 'shop.example', config: {} });
  },
});

/** Senders posting batches back to back; remembers the event_ids of every batch answered 202. */
function stream(senders: number, hitsPerBatch: number) {
  const accepted = new Set<string>();
  const outcomes: Record<string, number> = {};
  let stopped = false;
  const client = randomBytes(16).toString('hex');
  const one = async (n: number) => {
    const session = randomBytes(16).toString('hex');
    while (!stopped) {
      const events = Array.from({ length: hitsPerBatch }, () => ({
        event_name: 'page_view',
        event_id: randomBytes(16).toString('hex'),
        timestamp: Date.now(),
        client_id: `${client.slice(0, 30)}${n.toString(16).padStart(2, '0')}`,
        session_id: session,
        page_url: 'https://shop.example/load',
      }));
      let outcome: string;
      try {
        const res = await sendBatch(w.stack, site, events, {
          origin: 'https://shop.example',
          ua: UA,
          ip: '79.192.10.20',
          timeoutMs: 10_000,
        });
        await res.arrayBuffer();
        outcome = String(res.status);
        if (res.status === 202) for (const e of events) accepted.add(e.event_id);
      } catch {
        outcome = 'network error';
      }
      outcomes[outcome] = (outcomes[outcome] ?? 0) + 1;
      // While the collector is down, retry at a modest pace instead of spinning.
      if (outcome !== '202') await new Promise((r) => setTimeout(r, 25));
    }
  };
  const done = Promise.all(Array.from({ length: senders }, (_, i) => one(i)));
  return {
    accepted,
    outcomes,
    /** Resolves once `n` more hits have been accepted. */
    async more(n: number, what: string) {
      const target = accepted.size + n;
      await waitFor(`${n} more accepted hits (${what})`, () => accepted.size >= target, {
        timeoutMs: 60_000,
        intervalMs: 20,
        ignoreErrors: true,
      });
    },
    async stop() {
      stopped = true;
      await done;
    },
  };
}

test('SIGTERM to each stage under load loses and duplicates nothing that got a 202', async () => {
  const load = stream(3, 10);
  const exits: Record<string, number | string> = {};
  const t0 = Date.now();
  const mark = (m: string) => {
    if (process.env.E2E_DEBUG) console.log(`${Date.now() - t0} ms ${m} (${load.accepted.size} accepted)`);
  };
  const restartUnderLoad = async (name: ServiceName) => {
    await load.more(150, `before stopping the ${name}`);
    mark(`SIGTERM ${name}`);
    // The deadline each process gives itself (SHUTDOWN_TIMEOUT_MS), plus start-up slack of a busy box.
    exits[name] = await w.stack.stop(name, 'SIGTERM', SHUTDOWN_TIMEOUT_MS + 5_000);
    mark(`${name} exited`);
    if (name !== 'collector') await load.more(60, `while the ${name} is down`);
    await w.stack.start(name);
    mark(`${name} ready again`);
  };
  try {
    await restartUnderLoad('collector');
    await restartUnderLoad('enricher');
    await restartUnderLoad('writer');
    await load.more(150, 'after the restarts');
  } finally {
    await load.stop();
  }
  mark('stream stopped');
  expect(exits).toEqual({ collector: 0, enricher: 0, writer: 0 });
  expect(load.outcomes['202']).toBeGreaterThan(0);

  const want = load.accepted.size;
  const count = async () =>
    Number(
      (
        await w.db.pool.query<{ n: string }>('SELECT count(*) AS n FROM events WHERE site_id = $1', [
          site.scriptId,
        ])
      ).rows[0]!.n,
    );
  let seen = 0;
  await waitFor(
    () => `${want} rows in events (have ${seen}; outcomes ${JSON.stringify(load.outcomes)})`,
    async () => (seen = await count()) >= want,
    { timeoutMs: 90_000, intervalMs: 200, ignoreErrors: true },
  );
  mark('all rows stored');
  // The queues drain at once: a stopped stage hands back or finishes its jobs rather than leaving
  // them active until their locks expire (WRITER_LOCK_DURATION_MS, 30 s), which this wait is shorter than.
  await waitFor(
    'empty queues',
    async () => {
      for (const name of [QUEUE_HITS, QUEUE_EVENTS]) {
        const q = new Queue(name, { connection: w.redis, prefix: w.prefix });
        const c = await q.getJobCounts('waiting', 'active', 'delayed', 'prioritized');
        await q.close();
        if (Object.values(c).some((v) => v > 0)) {
          mark(`${name} ${JSON.stringify(c)}`);
          return false;
        }
      }
      return true;
    },
    { timeoutMs: 20_000, intervalMs: 250, ignoreErrors: true },
  );
  mark('queues empty');
  const { rows } = await w.db.pool.query<{ event_id: string; n: string; ids: string }>(
    `SELECT event_id, count(*) AS n, count(DISTINCT id) AS ids FROM events WHERE site_id = $1 GROUP BY event_id`,
    [site.scriptId],
  );
  const stored = new Set(rows.map((r) => r.event_id));
  const missing = [...load.accepted].filter((id) => !stored.has(id));
  const extra = rows.filter((r) => !load.accepted.has(r.event_id)).map((r) => r.event_id);
  const doubled = rows.filter((r) => Number(r.n) !== 1);
  expect({ missing: missing.length, extra: extra.length, doubled: doubled.length }).toEqual({
    missing: 0,
    extra: 0,
    doubled: 0,
  });
  expect(rows.length).toBe(want);
  mark('compared');
  const dead = await w.db.pool.query('SELECT count(*)::int AS n FROM dead_events');
  expect(dead.rows[0].n).toBe(0);
}, 240_000);
