import { createHmac, randomBytes } from 'node:crypto';
import type { RedisClient as Redis } from '@beacon/queue';
import type { EventRow, Step } from './pipeline.js';

/**
 * Visitors without browser storage (docs/privacy.md "Cookieless counting"), after Plausible's scheme:
 *
 *   client_id = HMAC-SHA256(daily salt, site_id | IP | user agent), first 128 bits in hex
 *
 * for every hit of a site in cookieless mode (whatever ids the browser sent) and for every hit that
 * came without a client_id (a page with data-cookieless, the pixel). The salt is 32 random bytes per
 * UTC day, created once in Redis (SET NX, so every enricher replica uses the same one) and destroyed
 * 48 hours after its day began: during day D the salts of D and D-1 exist, nothing older. Without the
 * salt the id cannot be recomputed from an IP and a user agent, so after two days the ids in stored
 * events no longer link to a person's network and browser. The same visitor gets a new id each day.
 *
 * Sessions follow from the id (assignSessions, per job, in Redis): a hit more than 30 minutes after the
 * id's previous one starts the next session. A session open at midnight goes on under the id of the
 * previous day's salt until it ends, as long as that salt lives.
 */

const DAY_MS = 86_400_000;
/** A salt lives from the start of its UTC day for this long. */
export const SALT_LIFETIME_MS = 2 * DAY_MS;
/** Inactivity that ends a session, as the tracker's 30-minute session cookie does. */
export const SESSION_GAP_MS = 30 * 60_000;
/** Session state of an id is kept no longer than its salt can be in use. */
const STATE_TTL_S = SALT_LIFETIME_MS / 1000;

const dayOf = (ms: number) => Math.floor(ms / DAY_MS);
const dayName = (day: number) => new Date(day * DAY_MS).toISOString().slice(0, 10);

/** The derived ids of one hit, kept until its session is assigned. */
interface Pending {
  siteId: string;
  /** The id under the salt of the day before (null when that salt is gone): continues an open session. */
  previous: string | null;
  serverMs: number;
  hitId: string;
}

export class CookielessIds {
  /** Salts by UTC day number: only today's and yesterday's (as the enricher's clock says). */
  private salts = new Map<number, Buffer>();
  private loadedFor = -1;
  private readonly pending = new WeakMap<EventRow, Pending>();

  constructor(
    private readonly redis: Redis,
    private readonly keyPrefix: string,
    private readonly now: () => number = Date.now,
  ) {}

  /**
   * Makes sure the salts of today and yesterday are in memory (one Redis round trip when the day
   * changed, none otherwise) and forgets older ones. Called before each job; throws when Redis fails.
   */
  async refresh(): Promise<void> {
    const today = dayOf(this.now());
    if (this.loadedFor === today) return;
    const salts = new Map<number, Buffer>();
    for (const day of [today - 1, today]) {
      const ttlMs = day * DAY_MS + SALT_LIFETIME_MS - this.now();
      if (ttlMs <= 0) continue;
      const key = `${this.keyPrefix}:salt:${dayName(day)}`;
      // Only the first replica's SET wins; every replica then reads the same salt.
      await this.redis.set(key, randomBytes(32).toString('hex'), 'PX', ttlMs, 'NX');
      const salt = await this.redis.get(key);
      if (salt) salts.set(day, Buffer.from(salt, 'hex'));
    }
    this.salts = salts;
    this.loadedFor = today;
  }

  /** The keyed hash of a visitor under a day's salt, or null when that salt is not (any more) known. */
  idFor(day: number, siteId: string, ip: string | null, userAgent: string | null): string | null {
    const salt = this.salts.get(day);
    if (!salt) return null;
    return createHmac('sha256', salt)
      .update(`${siteId}\n${ip ?? ''}\n${userAgent ?? ''}`)
      .digest('hex')
      .slice(0, 32);
  }

  /**
   * The `cookieless_ids` step (before anonymize_ip: it needs the full IP): client_id from the keyed
   * hash; session_id and session_number are left for assignSessions. A hit of a day whose salt is gone
   * (a queue backlog older than yesterday) takes yesterday's.
   */
  step(): Step {
    return {
      name: 'cookieless_ids',
      run: (ctx) => {
        if (!ctx.siteConfig.cookieless && ctx.row.client_id) return;
        const serverMs = Date.parse(ctx.hit.server_timestamp);
        const today = this.loadedFor;
        const day = Math.min(today, Math.max(today - 1, dayOf(serverMs)));
        const { ip, user_agent } = ctx.request;
        const id = this.idFor(day, ctx.request.site_id, ip, user_agent);
        if (!id) throw new Error('cookieless_ids: no salt loaded (CookielessIds.refresh not called)');
        ctx.row.client_id = id;
        ctx.row.session_id = null;
        ctx.row.session_number = null;
        this.pending.set(ctx.row, {
          siteId: ctx.request.site_id,
          previous: this.idFor(day - 1, ctx.request.site_id, ip, user_agent),
          serverMs,
          hitId: ctx.hit.id,
        });
      },
    };
  }

  /**
   * Session ids and numbers of the rows whose ids the step derived, in one Redis script call per job
   * (atomic, so replicas enriching the same visitor at once agree). A retried job finds the state its
   * first attempt left and gets the same sessions back. Throws when Redis fails (the job is retried).
   */
  async assignSessions(rows: readonly EventRow[]): Promise<void> {
    const todo: { row: EventRow; p: Pending }[] = [];
    for (const row of rows) {
      const p = this.pending.get(row);
      if (p) todo.push({ row, p });
    }
    if (todo.length === 0) return;
    ensureScript(this.redis);
    const n = todo.length;
    const keys: string[] = new Array<string>(2 * n);
    const args: string[] = [String(SESSION_GAP_MS), String(STATE_TTL_S)];
    todo.forEach(({ row, p }, i) => {
      const own = `${this.keyPrefix}:cookieless:${p.siteId}:${String(row.client_id)}`;
      keys[i] = own;
      keys[n + i] = p.previous ? `${this.keyPrefix}:cookieless:${p.siteId}:${p.previous}` : own;
      // A new session is named after its first hit (its UUIDv7 id, 32 hex digits): stable on retry.
      args.push(String(p.serverMs), p.hitId.replace(/-/g, ''));
    });
    const answer = await (this.redis as unknown as WithSessionCommand).beaconCookielessSessions(
      2 * n,
      ...keys,
      ...args,
    );
    if (!Array.isArray(answer) || answer.length !== n)
      throw new Error(`cookieless sessions: unexpected script reply for ${n} hits`);
    todo.forEach(({ row, p }, i) => {
      const [useOld, sessionId, num] = String(answer[i]).split(' ');
      if (useOld === '1') row.client_id = p.previous;
      row.session_id = sessionId!;
      row.session_number = Number(num);
      this.pending.delete(row);
    });
  }
}

/**
 * Per hit i (in job order): state "session_id number last_ms" under KEYS[i] (the id of the hit's salt)
 * or, when that has none and the previous salt's id KEYS[n+i] has a session still open, under that one.
 * ARGV: gap ms, state TTL s, then per hit its server time (ms) and the session id it would start.
 * Answer per hit: "<1 if the previous id is used, else 0> <session_id> <session_number>".
 */
const SESSIONS_SCRIPT = `
local n = #KEYS / 2
local gap = tonumber(ARGV[1])
local ttl = ARGV[2]
local out = {}
for i = 1, n do
  local ts = tonumber(ARGV[1 + 2 * i])
  local fresh = ARGV[2 + 2 * i]
  local key = KEYS[i]
  local v = redis.call('GET', key)
  local old = '0'
  if not v and KEYS[n + i] ~= key then
    local pv = redis.call('GET', KEYS[n + i])
    if pv then
      local last = tonumber(string.match(pv, ' (%d+)$'))
      if ts - last <= gap then
        key = KEYS[n + i]
        v = pv
        old = '1'
      end
    end
  end
  local sid, num, last = fresh, 1, ts
  if v then
    local s, c, l = string.match(v, '^(%S+) (%d+) (%d+)$')
    num = tonumber(c)
    last = tonumber(l)
    if ts - last > gap then
      num = num + 1
      last = ts
    else
      sid = s
      if ts > last then last = ts end
    end
  end
  redis.call('SET', key, sid .. ' ' .. num .. ' ' .. string.format('%.0f', last), 'EX', ttl)
  out[i] = old .. ' ' .. sid .. ' ' .. num
end
return out
`;

interface WithSessionCommand {
  beaconCookielessSessions(numKeys: number, ...args: string[]): Promise<unknown>;
}

const defined = new WeakSet<Redis>();
function ensureScript(redis: Redis): void {
  if (defined.has(redis)) return;
  redis.defineCommand('beaconCookielessSessions', { lua: SESSIONS_SCRIPT });
  defined.add(redis);
}
