import { randomBytes } from 'node:crypto';
import { request } from 'node:http';
import { fileURLToPath } from 'node:url';
import { startCollector } from '@beacon/collector';
import { createLogger } from '@beacon/observability';
import { runNode, waitFor } from '@beacon/testkit';
import { healthOf, usePipeline } from './pipeline.js';
import { CHROME_UA } from '../user-agents.js';

// Real, end to end in one process: POST /v1/events on the collector, the enricher and the writer,
// PostgreSQL and Redis. Expected rows and health counts are computed from what the test sent.

const p = usePipeline(async (pipe) => {
  // bot_policy defaults to 'drop': server-side hits must survive it.
  const site = await pipe.addSite('shop.example', { ip_anonymization: 'none' });
  return { site, other: await pipe.addSite('other.example'), token: await pipe.addToken(site) };
});

const id = () => `ev-${randomBytes(6).toString('hex')}`;
/** POSTs to the pipeline's collector at `path`, or to `path` itself when it is a URL. */
const send = (body: unknown, auth?: string, path = '/v1/events') =>
  fetch(path.startsWith('http') ? path : `${p.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(auth ? { authorization: `Bearer ${auth}` } : {}) },
    body: JSON.stringify(body),
  });

async function rowsOf(scriptId: string) {
  const { rows } = await p.db.pool.query(
    `SELECT event_id, event_name, server_timestamp, ip_address, user_agent, visitor_type, properties, client_id, user_id
     FROM events WHERE site_id = $1 ORDER BY event_id`,
    [scriptId],
  );
  return rows as {
    event_id: string;
    event_name: string;
    server_timestamp: Date;
    ip_address: string | null;
    user_agent: string | null;
    visitor_type: string | null;
    properties: Record<string, unknown> | null;
    client_id: string | null;
    user_id: string | null;
  }[];
}

describe('POST /v1/events', () => {
  const sent: string[] = [];
  const when = Date.now() - 2 * 3600_000;

  it('refuses missing, unknown and mismatched credentials with a clear 4xx', async () => {
    const ev = { event_name: 'signup', event_id: id() };
    let r = await send(ev);
    expect(r.status).toBe(401);
    expect((await r.json()).error).toBe('unauthorized');
    r = await send(ev, `bit_${'A'.repeat(43)}`);
    expect(r.status).toBe(401);
    expect((await r.json()).error).toBe('invalid_token');
    r = await send({ ...ev, site_id: p.other }, p.token);
    expect(r.status).toBe(403);
    expect((await r.json()).error).toBe('site_mismatch');
    r = await send(ev, p.apiKey); // API key without site_id
    expect(r.status).toBe(400);
    r = await send({ ...ev, site_id: 'no_such_site' }, p.apiKey);
    expect(r.status).toBe(404);
    r = await send(ev, `${p.apiKey.slice(0, -4)}zzzz`);
    expect(r.status).toBe(401);
  });

  it('stores one event with the sender-set IP, user agent, time and ids; never dropped as a bot', async () => {
    const e1 = id();
    sent.push(e1);
    const r = await send(
      {
        event_name: 'purchase',
        event_id: e1,
        timestamp: new Date(when).toISOString(),
        ip: '198.51.100.7',
        user_agent: 'curl/8.5.0',
        client_id: 'crm-42',
        user_id: 'u-42',
        properties: { plan: 'pro' },
      },
      p.token,
    );
    expect(r.status).toBe(202);
    expect(await r.json()).toEqual({ accepted: 1, rejected: [] });
    // No user agent at all: the browser path would drop it (no_user_agent); here it is kept and flagged.
    const e2 = id();
    sent.push(e2);
    expect((await send({ event_name: 'invoice_paid', event_id: e2 }, p.token)).status).toBe(202);
    const rows = await waitFor(
      'two rows',
      async () => {
        const rows = await rowsOf(p.site);
        return rows.length >= 2 && rows;
      },
      { timeoutMs: 20_000, intervalMs: 100 },
    );
    const byId = Object.fromEntries(rows.map((x) => [x.event_id, x]));
    expect(byId[e1]!.server_timestamp.getTime()).toBe(when);
    expect(byId[e1]!.ip_address).toBe('198.51.100.7');
    expect(byId[e1]!.user_agent).toBe('curl/8.5.0');
    expect(byId[e1]!.client_id).toBe('crm-42');
    expect(byId[e1]!.user_id).toBe('u-42');
    expect(byId[e1]!.visitor_type).not.toBe('bot');
    expect(byId[e1]!.properties).toMatchObject({
      plan: 'pro',
      intake: 'server',
      server_side: true,
      bot_reason: 'ua',
    });
    expect(byId[e2]!.properties).toMatchObject({ server_side: true, bot_reason: 'no_user_agent' });
  });

  it('takes a batch with an agency API key, refuses bad events one by one, and is idempotent by event_id', async () => {
    const ids = [id(), id(), id()];
    const batch = {
      site_id: p.site,
      events: [
        {
          event_name: 'page_view',
          event_id: ids[0],
          page_url: 'https://shop.example/a',
          user_agent: CHROME_UA,
        },
        { event_name: 'lead', event_id: ids[1], ip: '2001:db8::1' },
        { event_name: 'lead', event_id: ids[2], timestamp: Date.now() - 10 * 86_400_000 }, // too old
        { event_name: 'lead', event_id: id(), ip: 'not-an-ip' },
        'not an object',
      ],
    };
    let r = await send(batch, p.apiKey);
    expect(r.status).toBe(202);
    let body = await r.json();
    expect(body.accepted).toBe(2);
    expect(body.rejected.map((x: { index: number }) => x.index)).toEqual([2, 3, 4]);
    expect(body.rejected[0].errors[0]).toMatch(/older than the allowed window/);
    sent.push(ids[0]!, ids[1]!);
    // The sender retries the whole batch (e.g. after a timeout): still one row per event_id.
    r = await send(batch, p.apiKey);
    expect(r.status).toBe(202);
    // And once with the site's token.
    r = await send({ events: [batch.events[0]] }, p.token);
    body = await r.json();
    expect(body.accepted).toBe(1);
    await p.settle();
    const rows = await rowsOf(p.site);
    expect(rows.map((x) => x.event_id).sort()).toEqual([...sent].sort());
  });

  it('counts everything in ingestion_health: received, rejected, duplicates, stored', async () => {
    await p.settle();
    const h = await healthOf(p.db, p.site);
    // Requests that reached the site: 1+1 single, 5+5 batch, 1 token batch; site_mismatch is refused
    // before the site is known.
    expect(h).toEqual({
      received: 13,
      'rejected/invalid_hit': 6,
      'dropped/duplicate': 3,
      stored: 4,
    });
  });
});

describe('the sender-set timestamp window (INTAKE_SERVER_MAX_PAST_S back, 5 minutes ahead)', () => {
  const H = 3600_000;

  it('takes times inside the window, refuses each one outside naming timestamp (alone: 400), keeps the rest', async () => {
    const scriptId = await p.addSite('window.example');
    const t = await p.addToken(scriptId);
    const ids = { oldest: id(), tooOld: id(), ahead: id(), tooFar: id(), isoOld: id() };
    const sentAt = Date.now();
    const oldest = sentAt - 72 * H + 60_000; // a minute inside the 72 h default
    const r = await send(
      {
        events: [
          { event_name: 'order', event_id: ids.oldest, timestamp: oldest },
          { event_name: 'order', event_id: ids.tooOld, timestamp: sentAt - 72 * H - 60_000 },
          { event_name: 'order', event_id: ids.ahead, timestamp: sentAt + 4 * 60_000 }, // clock skew
          { event_name: 'order', event_id: ids.tooFar, timestamp: sentAt + 6 * 60_000 },
          { event_name: 'order', event_id: ids.isoOld, timestamp: new Date(sentAt - 73 * H).toISOString() },
        ],
      },
      t,
    );
    const answeredAt = Date.now();
    expect(r.status).toBe(202);
    expect(await r.json()).toEqual({
      accepted: 2,
      rejected: [
        { index: 1, errors: ['timestamp: is older than the allowed window (72 h)'] },
        { index: 3, errors: ['timestamp: is in the future'] },
        { index: 4, errors: ['timestamp: is older than the allowed window (72 h)'] },
      ],
    });
    // One event alone outside the window: the request itself is refused, naming the field.
    const one = await send({ event_name: 'order', event_id: id(), timestamp: sentAt + 3 * H }, t);
    expect(one.status).toBe(400);
    expect(await one.json()).toMatchObject({
      error: 'invalid_hit',
      message: 'the event is invalid: timestamp: is in the future',
    });
    await p.settle();
    const rows = await rowsOf(scriptId);
    expect(rows.map((x) => x.event_id).sort()).toEqual([ids.oldest, ids.ahead].sort());
    const byId = Object.fromEntries(rows.map((x) => [x.event_id, x.server_timestamp.getTime()]));
    expect(byId[ids.oldest]).toBe(oldest);
    // A time ahead of the collector's clock is stored as the time of receipt, never in the future.
    expect(byId[ids.ahead]).toBeGreaterThanOrEqual(sentAt);
    expect(byId[ids.ahead]).toBeLessThanOrEqual(answeredAt);
    expect(await healthOf(p.db, scriptId)).toEqual({ received: 6, 'rejected/invalid_hit': 4, stored: 2 });
  });

  it('follows INTAKE_SERVER_MAX_PAST_S', async () => {
    const scriptId = await p.addSite('window-1h.example');
    const t = await p.addToken(scriptId);
    // A second collector on the same queues whose window is one hour.
    const config = { ...p.config, intake: { ...p.config.intake, serverMaxPastS: 3600 } };
    const c = await startCollector(config, {
      logger: createLogger('c', 'silent'),
      port: 0,
      host: '127.0.0.1',
    });
    const [inside, outside] = [id(), id()];
    try {
      const r = await send(
        {
          events: [
            { event_name: 'order', event_id: inside, timestamp: Date.now() - 0.5 * H },
            { event_name: 'order', event_id: outside, timestamp: Date.now() - 2 * H },
          ],
        },
        t,
        `http://127.0.0.1:${c.port}/v1/events`,
      );
      expect(await r.json()).toEqual({
        accepted: 1,
        rejected: [{ index: 1, errors: ['timestamp: is older than the allowed window (1 h)'] }],
      });
    } finally {
      await c.close();
    }
    await p.settle();
    expect((await rowsOf(scriptId)).map((x) => x.event_id)).toEqual([inside]);
  });
});

describe('a paused site', () => {
  it('refuses server-side events with 403 and counts them as rejected: site_paused', async () => {
    const paused = await p.addSite('paused.example');
    const t = await p.addToken(paused);
    await p.db.pool.query(`UPDATE sites SET status = 'paused' WHERE script_id = $1`, [paused]);
    const r = await send({ events: [{ event_name: 'a' }, { event_name: 'b' }] }, t);
    expect(r.status).toBe(403);
    expect((await r.json()).error).toBe('site_paused');
    await p.settle();
    expect(await healthOf(p.db, paused)).toEqual({ received: 2, 'rejected/site_paused': 2 });
  });
});

describe('browser path without a User-Agent', () => {
  it('answers 202 with a warning and the drop shows in ingestion_health as bot:no_user_agent', async () => {
    const scriptId = await p.addSite('noua.example');
    const body = JSON.stringify({
      site_id: scriptId,
      events: [
        { event_name: 'page_view', event_id: id(), page_url: 'https://noua.example/' },
        { event_name: 'page_view', event_id: id(), page_url: 'https://noua.example/b' },
      ],
    });
    // node:http sends no User-Agent unless told to (fetch always sends one).
    const answer = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = request(
        `${p.url}/v1/batch`,
        { method: 'POST', headers: { 'content-type': 'application/json' } },
        (res) => {
          let text = '';
          res.on('data', (c: Buffer) => (text += c.toString()));
          res.on('end', () => resolve({ status: res.statusCode!, body: text }));
        },
      );
      req.on('error', reject);
      req.end(body);
    });
    expect(answer.status).toBe(202);
    const parsed = JSON.parse(answer.body);
    expect(parsed.accepted).toBe(2);
    expect(parsed.warnings[0]).toMatch(/no User-Agent/);
    await p.settle();
    expect(await healthOf(p.db, scriptId)).toEqual({ received: 2, 'dropped/bot:no_user_agent': 2 });
    expect(await rowsOf(scriptId)).toEqual([]);
  });
});

describe('beacon site token create|list|revoke', () => {
  const BIN = fileURLToPath(new URL('../../dist/main.js', import.meta.url));
  const beacon = (args: string[]) => runNode(BIN, args, { env: { DATABASE_URL: p.db.url } });

  it('creates a token that the collector takes, lists it without the secret, revokes it', async () => {
    const created = await beacon(['--json', 'site', 'token', 'create', '--site', p.other, '--name', 'crm']);
    expect(created.stderr).toBe('');
    expect(created.code).toBe(0);
    const t = JSON.parse(created.stdout) as { id: string; token: string; site_id: string };
    expect(t.site_id).toBe(p.other);
    expect((await send({ event_name: 'crm_sync', event_id: id() }, t.token)).status).toBe(202);

    const list = await beacon(['site', 'token', 'list', '--site', p.other]);
    expect(list.code).toBe(0);
    expect(list.stdout).toContain(t.id);
    expect(list.stdout).toContain('crm');
    expect(list.stdout).not.toContain(t.token);

    const revoked = await beacon(['site', 'token', 'revoke', '--site', p.other, t.id]);
    expect(revoked.code).toBe(0);
    expect(revoked.stdout).toMatch(/REVOKED/);
    // The collector remembers a check for INTAKE_TOKEN_CACHE_TTL_MS (100 ms here).
    await new Promise((r) => setTimeout(r, 300));
    const after = await send({ event_name: 'crm_sync', event_id: id() }, t.token);
    expect(after.status).toBe(401);

    const bad = await beacon(['site', 'token', 'revoke', '--site', p.other, 'nope']);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/not a token id/);
  });
});
