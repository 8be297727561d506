import { randomUUID } from 'node:crypto';
import { EVENT_COLUMN_NAMES, enrichedJobRows, enrichedJobSchema, type RawJob } from '@beacon/schema';
import { waitFor } from '@beacon/testkit';
import { enrichHits, type Step } from '../src/index.js';
import { SiteCache } from '../src/sites.js';
import { CHROME, mmCrafted, seedSites, useEnricherOnQueues } from './fixtures.js';

// Real: PostgreSQL (throwaway database), Redis (unique BullMQ prefix), BullMQ, the crafted MaxMind DBs.
// Nothing is mocked: jobs go into `hits` and come out of `events`.

const IPHONE =
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.1 Mobile/15E148 Safari/604.1';
const GOOGLEBOT = 'Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)';

const w = useEnricherOnQueues('enr', {
  env: { GEOIP_ANONYMOUS_IP_DB: mmCrafted('Beacon-Anonymous-IP-Test.mmdb') },
  prepare: async (db) => {
    await seedSites(db.pool, [
      ['keep', 'keep.example', 'site_keep', { bot_policy: 'keep', ip_anonymization: 'truncate' }],
      ['drop', 'drop.example', 'site_drop'],
      ['noip', 'noip.example', 'site_noip', { ip_anonymization: 'drop' }],
    ]);
  },
});

function hit(extra: Record<string, unknown> = {}) {
  return {
    id: randomUUID(),
    server_timestamp: new Date().toISOString(),
    event_name: 'page_view',
    page_url: 'https://keep.example/pricing?utm_source=news',
    ...extra,
  };
}

function rawJob(
  site: string,
  ua: string | null,
  ip: string | null,
  hitList: Record<string, unknown>[],
): RawJob {
  return {
    type: 'raw',
    v: 1,
    requests: [
      {
        site_id: site,
        ip,
        user_agent: ua,
        client_hints: {},
        origin: null,
        hits: hitList as RawJob['requests'][0]['hits'],
      },
    ],
  };
}

/** Adds a raw job and waits until the worker has completed it. */
async function process(
  jobId: string,
  data: RawJob,
): Promise<{ rows: number; dropped: number; dead: number }> {
  await w.hits.add('raw', data, { jobId });
  return waitFor(`raw job ${jobId}`, async () => {
    const j = await w.hits.getJob(jobId);
    if (!j) return null;
    if (j.failedReason) throw new Error(`raw job failed: ${j.failedReason}`);
    return j.finishedOn ? (j.returnvalue as { rows: number; dropped: number; dead: number }) : null;
  });
}

/** The site's dead-lettered hits of the enricher in ingestion_health. */
async function deadLettered(site: string): Promise<number> {
  const { rows } = await w.db.pool.query(
    `SELECT COALESCE(sum(count), 0)::int AS n FROM ingestion_health
     WHERE site_id = $1 AND outcome = 'dead_lettered' AND reason = 'enricher'`,
    [site],
  );
  return rows[0].n as number;
}

/** The rows of the events job, decoded from its EnrichedJob v2 payload (checked against the schema). */
async function rowsOf(jobId: string): Promise<Record<string, unknown>[]> {
  const j = await w.events.getJob(jobId);
  if (!j) return [];
  return enrichedJobRows(enrichedJobSchema.parse(j.data));
}

async function metric(name: string, labels: Record<string, string>): Promise<number> {
  const m = await w.enricher.registry.getSingleMetric(name)!.get();
  return m.values
    .filter((v) => Object.entries(labels).every(([k, x]) => v.labels[k] === x))
    .reduce((s, v) => s + v.value, 0);
}

describe('enricher worker (hits → events)', () => {
  it('enriches a hit into a row naming every events column', async () => {
    const jobId = randomUUID();
    const h = hit({ event_id: 'e-1', scroll_depth: 40, properties: { plan: 'pro' } });
    await process(jobId, rawJob('site_keep', CHROME, '192.0.2.10', [h]));
    // EnrichedJob v2: every column named once per job, each row its values in that order.
    const data = (await w.events.getJob(jobId))!.data;
    expect(data).toMatchObject({ type: 'events', v: 2, columns: [...EVENT_COLUMN_NAMES] });
    expect(data.rows).toHaveLength(1);
    expect(data.rows[0]).toHaveLength(EVENT_COLUMN_NAMES.length);
    const [row] = await rowsOf(jobId);
    expect(Object.keys(row!).sort()).toEqual([...EVENT_COLUMN_NAMES].sort());
    expect(row).toMatchObject({
      id: h.id,
      site_id: 'site_keep',
      event_id: 'e-1',
      server_timestamp: h.server_timestamp,
      browser: 'Chrome',
      os: 'Windows',
      device_type: 'desktop',
      country: 'US',
      city: 'San Francisco',
      region: 'California',
      postal_code: '94107',
      timezone: 'America/Los_Angeles',
      asn: 'AS64496',
      organization: 'Acme Networks',
      is_vpn: false,
      is_hosting: false,
      // site_keep truncates: lookups used the full IP, the row keeps the /24
      ip_address: '192.0.2.0',
      scroll_depth: 40,
      user_agent: CHROME,
    });
    expect(row!.properties).toMatchObject({ plan: 'pro' });
  });

  it('cleans control characters out of wire text instead of dead-lettering the hit', async () => {
    const jobId = randomUUID();
    const h = hit({ page_title: 'Pricing\u0000 page\u0007' });
    const r = await process(jobId, rawJob('site_drop', CHROME, '192.0.2.10', [h]));
    expect(r).toEqual({ rows: 1, dropped: 0, dead: 0 });
    expect((await rowsOf(jobId))[0]).toMatchObject({ id: h.id, page_title: 'Pricing page' });
  });

  it('drops the IP after lookup for a site with ip_anonymization drop', async () => {
    const jobId = randomUUID();
    await process(jobId, rawJob('site_noip', IPHONE, '198.51.100.200', [hit()]));
    const [row] = await rowsOf(jobId);
    expect(row).toMatchObject({
      ip_address: null,
      country: 'DE',
      city: 'Berlin',
      device_type: 'mobile',
      device_brand: 'Apple',
      device_model: 'iPhone',
    });
  });

  it('a retried raw job yields the same rows, ids and events job id', async () => {
    const jobId = randomUUID();
    const data = rawJob('site_drop', CHROME, '192.0.2.10', [
      hit({ event_id: 'retry-1' }),
      hit({ event_id: 'retry-2' }),
      hit(),
    ]);
    await process(jobId, data);
    const first = await rowsOf(jobId);
    expect(first).toHaveLength(3);
    // The raw job runs again (as after a crash before completion) while the events job is gone.
    await (await w.hits.getJob(jobId))!.remove();
    await (await w.events.getJob(jobId))!.remove();
    await process(jobId, data);
    const second = await rowsOf(jobId);
    expect(second).toEqual(first);
    // Once more with the events job still there: BullMQ keeps one job under that id.
    const before = await w.events.getJobCounts();
    await (await w.hits.getJob(jobId))!.remove();
    await process(jobId, data);
    expect(await w.events.getJobCounts()).toEqual(before);
    expect(await rowsOf(jobId)).toEqual(first);
  });

  it('a raw job run again (its enricher died after counting, before the ack) adds no ingestion_health counts', async () => {
    const counted = async () =>
      Number(
        (
          await w.db.pool.query(
            `SELECT COALESCE(sum(count), 0)::bigint AS n FROM ingestion_health
             WHERE site_id = 'site_drop' AND outcome IN ('dropped', 'dead_lettered')`,
          )
        ).rows[0].n,
      );
    const before = await counted();
    const jobId = randomUUID();
    const data = rawJob('site_drop', GOOGLEBOT, '192.0.2.10', [hit(), hit(), hit()]);
    expect(await process(jobId, data)).toEqual({ rows: 0, dropped: 3, dead: 0 });
    // Written with the job, before its ack: no flush timer to wait for.
    expect(await counted()).toBe(before + 3);
    const { rows } = await w.db.pool.query(
      `SELECT reason FROM ingestion_health WHERE site_id = 'site_drop' AND outcome = 'dropped' AND reason LIKE 'bot:%'`,
    );
    expect(rows.length).toBeGreaterThan(0);
    // The same job once more, as BullMQ hands back a job whose worker was killed before acking it.
    await (await w.hits.getJob(jobId))!.remove();
    expect(await process(jobId, data)).toEqual({ rows: 0, dropped: 3, dead: 0 });
    expect(await counted()).toBe(before + 3);
    // Another job with the same hits is another job: counted.
    expect(await process(randomUUID(), data)).toEqual({ rows: 0, dropped: 3, dead: 0 });
    expect(await counted()).toBe(before + 6);
  });

  it('a client retry of the same event (site_id + event_id) gives one row', async () => {
    const dupBefore = await metric('beacon_enricher_dropped_total', { reason: 'duplicate' });
    const a = randomUUID();
    const b = randomUUID();
    await process(a, rawJob('site_drop', CHROME, '192.0.2.10', [hit({ event_id: 'client-retry' })]));
    const other = hit({ event_id: 'other-event' });
    await process(b, rawJob('site_drop', CHROME, '192.0.2.10', [hit({ event_id: 'client-retry' }), other]));
    expect(await rowsOf(a)).toHaveLength(1);
    expect((await rowsOf(b)).map((r) => r.id)).toEqual([other.id]);
    // The same event_id on another site is another event.
    const c = randomUUID();
    await process(c, rawJob('site_keep', CHROME, '192.0.2.10', [hit({ event_id: 'client-retry' })]));
    expect(await rowsOf(c)).toHaveLength(1);
    expect(await metric('beacon_enricher_dropped_total', { reason: 'duplicate' })).toBe(dupBefore + 1);
  });

  it('a poison hit goes to dead_events and the rest of its job is processed', async () => {
    const deadBefore = await metric('beacon_enricher_events_total', { outcome: 'dead' });
    const healthBefore = await deadLettered('site_drop');
    const jobId = randomUUID();
    const good1 = hit();
    const poison = hit({ scroll_depth: 'very deep' });
    const good2 = hit();
    const data = rawJob('site_drop', CHROME, '192.0.2.10', [good1, poison, good2]);
    const result = await process(jobId, data);
    expect(result).toEqual({ rows: 2, dropped: 0, dead: 1 });
    // One dead hit, one count in ingestion_health (the hit, not its job), written with the dead letter.
    expect(await deadLettered('site_drop')).toBe(healthBefore + 1);
    expect((await rowsOf(jobId)).map((r) => r.id)).toEqual([good1.id, good2.id]);
    const { rows } = await w.db.pool.query(
      `SELECT id, site_id, stage, error, count, payload FROM dead_events WHERE id = $1`,
      [poison.id],
    );
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ site_id: 'site_drop', stage: 'enricher', count: 1 });
    expect(rows[0].error).toMatch(/scroll_depth/);
    expect(rows[0].payload.hit.id).toBe(poison.id);
    expect(rows[0].payload.request.user_agent).toBe(CHROME);
    expect(await metric('beacon_enricher_events_total', { outcome: 'dead' })).toBe(deadBefore + 1);
    // The job again (a retry after its enricher died before the ack): the dead letter counts up, the
    // hit is not counted again.
    await (await w.hits.getJob(jobId))!.remove();
    expect(await process(jobId, data)).toEqual({ rows: 2, dropped: 0, dead: 1 });
    const again = await w.db.pool.query('SELECT count FROM dead_events WHERE id = $1', [poison.id]);
    expect(again.rows[0].count).toBe(2);
    expect(await deadLettered('site_drop')).toBe(healthBefore + 1);
  });

  it('reads hit envelopes as rawHitSchema does: other timestamp forms kept, impossible dates dead-lettered', async () => {
    const jobId = randomUUID();
    const offset = hit({ server_timestamp: '2026-11-20T10:00:00+02:00' });
    const seconds = hit({ server_timestamp: '2026-11-20T10:00:00Z' });
    const feb31 = hit({ server_timestamp: '2026-02-31T10:00:00.000Z' });
    const badId = hit({ id: 'not-a-uuid' });
    const noName = hit({ event_name: '' });
    const plain = hit();
    const result = await process(
      jobId,
      rawJob('site_drop', CHROME, '192.0.2.10', [offset, seconds, feb31, badId, noName, plain]),
    );
    expect(result).toEqual({ rows: 3, dropped: 0, dead: 3 });
    const rows = await rowsOf(jobId);
    expect(rows.map((r) => [r.id, r.server_timestamp])).toEqual([
      [offset.id, offset.server_timestamp],
      [seconds.id, seconds.server_timestamp],
      [plain.id, plain.server_timestamp],
    ]);
    const { rows: dead } = await w.db.pool.query(
      'SELECT id, error FROM dead_events WHERE id = ANY($1::uuid[]) ORDER BY error',
      [[feb31.id, noName.id]],
    );
    expect(dead.map((d) => d.id).sort()).toEqual([feb31.id, noName.id].sort());
    expect(dead.find((d) => d.id === feb31.id).error).toMatch(/invalid hit: server_timestamp/);
    expect(dead.find((d) => d.id === noName.id).error).toMatch(/invalid hit: event_name/);
  });

  it('cuts what the steps derive to its column and merges their extra facts into properties', async () => {
    const long: Step = {
      name: 'long',
      run(ctx) {
        ctx.row.device_model = 'm'.repeat(300); // varchar(100)
        ctx.row.country = 'DEU'; // varchar(2)
        ctx.row.browser_version = '1.2.3.4.5.6.7.8.9.10.11'; // varchar(20)
        ctx.properties.extra = 'fact';
      },
    };
    const h = hit({ properties: { plan: 'pro' } });
    const out = await enrichHits(
      rawJob('site_keep', CHROME, '192.0.2.10', [h]),
      'direct',
      new SiteCache(w.db.pool, 60_000),
      [long],
    );
    expect(out.dead).toEqual([]);
    const row = out.kept[0]!.row;
    expect(row.device_model).toBe('m'.repeat(100));
    expect(row.country).toBe('DE');
    expect(String(row.browser_version).length).toBeLessThanOrEqual(20);
    expect(row.properties).toEqual({ plan: 'pro', extra: 'fact' });
    expect(row.page_url).toBe(h.page_url);
  });

  it('bots: dropped and counted where bot_policy is drop, kept as visitor_type bot where keep', async () => {
    const botBefore = await metric('beacon_enricher_dropped_total', { reason: 'bot' });
    const dropJob = randomUUID();
    const human = hit();
    const r1 = await process(dropJob, rawJob('site_drop', GOOGLEBOT, '192.0.2.10', [hit(), hit()]));
    expect(r1).toEqual({ rows: 0, dropped: 2, dead: 0 });
    expect(await w.events.getJob(dropJob)).toBeUndefined();
    expect(await metric('beacon_enricher_dropped_total', { reason: 'bot' })).toBe(botBefore + 2);

    const keepJob = randomUUID();
    const multi: RawJob = {
      type: 'raw',
      v: 1,
      requests: [
        rawJob('site_keep', GOOGLEBOT, '192.0.2.10', [hit()]).requests[0]!,
        // a data-centre IP with no browser UA is a bot too
        rawJob('site_keep', 'python-requests/2.31.0', '203.0.113.1', [hit()]).requests[0]!,
        rawJob('site_keep', CHROME, '192.0.2.10', [human]).requests[0]!,
      ],
    };
    await process(keepJob, multi);
    const rows = await rowsOf(keepJob);
    expect(
      rows.map((r) => [
        r.visitor_type === 'bot',
        (r.properties as { bot_reason?: string } | null)?.bot_reason ?? null,
      ]),
    ).toEqual([
      [true, 'ua'],
      [true, expect.stringMatching(/^(ua|datacenter_no_browser)$/)],
      [false, null],
    ]);
  });

  it('hits of an unknown site are dropped and counted', async () => {
    const before = await metric('beacon_enricher_dropped_total', { reason: 'unknown_site' });
    const r = await process(randomUUID(), rawJob('no_such_site', CHROME, '192.0.2.10', [hit()]));
    expect(r).toEqual({ rows: 0, dropped: 1, dead: 0 });
    expect(await metric('beacon_enricher_dropped_total', { reason: 'unknown_site' })).toBe(before + 1);
  });

  it('answers /healthz, /readyz (with data sources) and /metrics', async () => {
    const base = `http://127.0.0.1:${w.enricher.port}`;
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
    const ready = await fetch(`${base}/readyz`);
    expect(ready.status).toBe(200);
    const body = (await ready.json()) as {
      checks: Record<string, { ok: boolean; detail?: Record<string, { state: string }> }>;
    };
    expect(body.checks.postgres!.ok).toBe(true);
    expect(body.checks.redis!.ok).toBe(true);
    expect(body.checks.data!.detail!.maxmind_city!.state).toBe('loaded');
    expect(body.checks.data!.detail!.maxmind_isp!.state).toBe('not_configured');
    const text = await (await fetch(`${base}/metrics`)).text();
    expect(text).toMatch(/beacon_enricher_events_total\{outcome="enriched",service="enricher"\} \d+/);
    expect(text).toMatch(/beacon_enricher_step_duration_seconds_count\{[^}]*step="device"[^}]*\} [1-9]/);
    expect(text).toMatch(/beacon_enricher_cache_total\{cache="ua",result="hit",service="enricher"\} \d+/);
  });
});
