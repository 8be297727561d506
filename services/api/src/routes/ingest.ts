import { z } from 'zod';
import { ingestHealthSql, ingestTokenSql as sql, newIngestToken, type IngestTokenRow } from '@beacon/db';
import { WRITERS } from '../auth/types.js';
import type { ApiDeps } from '../deps.js';
import { qInt } from '../http/validate.js';
import type { RouteTable } from '../openapi/route-table.js';
import { iso } from './schemas.js';
import { siteResource } from './site-resource.js';

const tags = ['ingest'];

/**
 * Site ingest tokens (the secret of POST /v1/events on the collector, of the GA4 Measurement Protocol's
 * api_secret and of the Segment write key; docs/server-side.md) and the site's ingestion health.
 */

const tokenSchema = z
  .object({
    id: z.uuid(),
    name: z.string(),
    token_prefix: z.string().meta({ description: 'the first characters of the token, to tell tokens apart' }),
    created_at: z.string(),
    last_used_at: z.string().nullable(),
    revoked_at: z.string().nullable(),
  })
  .meta({ id: 'IngestToken' });

const createdTokenSchema = tokenSchema
  .extend({
    token: z.string().meta({ description: 'the token in clear: shown this once, only its hash is kept' }),
  })
  .meta({ id: 'CreatedIngestToken' });

type TokenRow = IngestTokenRow;

const toToken = (r: TokenRow): z.infer<typeof tokenSchema> => ({
  id: r.id,
  name: r.name,
  token_prefix: r.token_prefix,
  created_at: iso(r.created_at)!,
  last_used_at: iso(r.last_used_at),
  revoked_at: iso(r.revoked_at),
});

const counts = z.record(z.string(), z.number().int());
const healthHour = z
  .object({
    hour: z.string(),
    received: z.number().int(),
    stored: z.number().int(),
    rejected: counts.meta({ description: 'by reason (origin_not_allowed, invalid_hit, site_paused, ...)' }),
    dropped: counts.meta({ description: 'by reason: bot:<rule>, consent, duplicate, site_deleted, invalid' }),
    dead_lettered: counts.meta({ description: 'by stage: enricher, writer' }),
  })
  .meta({ id: 'IngestionHealthHour' });
const warningSchema = z
  .object({
    code: z.string(),
    message: z.string(),
    action: z.string().meta({ description: 'what to do about it' }),
  })
  .meta({ id: 'IngestionWarning' });
const healthSchema = z
  .object({
    from: z.string(),
    to: z.string(),
    totals: healthHour.omit({ hour: true }),
    hours: z.array(healthHour),
    dead_letters_waiting: z.number().int(),
    warnings: z.array(warningSchema),
  })
  .meta({ id: 'IngestionHealth' });

type Totals = Omit<z.infer<typeof healthHour>, 'hour'>;
const emptyTotals = (): Totals => ({ received: 0, stored: 0, rejected: {}, dropped: {}, dead_lettered: {} });

function addTo(t: Totals, outcome: string, reason: string, n: number): void {
  if (outcome === 'received') t.received += n;
  else if (outcome === 'stored') t.stored += n;
  else if (outcome === 'rejected' || outcome === 'dropped' || outcome === 'dead_lettered')
    t[outcome][reason] = (t[outcome][reason] ?? 0) + n;
}

const sum = (o: Record<string, number>) => Object.values(o).reduce((a, b) => a + b, 0);

/** "1 hit" / "2 hits": warnings are read by people. */
const hits = (n: number) => `${n} hit${n === 1 ? '' : 's'}`;
const were = (n: number) => (n === 1 ? 'was' : 'were');

/** The bot rules (services/enricher/src/bot.ts) in words. */
const BOT_RULES: Record<string, string> = {
  no_user_agent: 'no User-Agent',
  ua: 'a bot User-Agent',
  crawler_range: 'a crawler IP range',
  datacenter_no_browser: 'a data-centre network without a browser',
};
const botRule = (reason: string) => BOT_RULES[reason.slice(4)] ?? reason.slice(4);

type Warning = z.infer<typeof warningSchema>;

/** The last hour's accepted hits, when bots took every one of them. */
function allBotsWarning(lastHour: Totals): Warning | null {
  const botDrops = Object.entries(lastHour.dropped).filter(([r]) => r.startsWith('bot:'));
  const accepted = lastHour.received - sum(lastHour.rejected);
  if (accepted === 0 || lastHour.stored > 0 || sum(Object.fromEntries(botDrops)) !== accepted) return null;
  const all =
    accepted === 1 ? 'the only hit of the last hour was' : `all ${accepted} hits of the last hour were`;
  if ((lastHour.dropped['bot:no_user_agent'] ?? 0) === accepted)
    return {
      code: 'all_dropped_no_user_agent',
      message: `${all} dropped as ${accepted === 1 ? 'a bot' : 'bots'}: no User-Agent`,
      action:
        'hits sent by a backend or a script carry no browser User-Agent: send them to the server-side endpoint POST /v1/events with a site ingest token (docs/server-side.md)',
    };
  return {
    code: 'all_dropped_bots',
    message: `${all} dropped as ${accepted === 1 ? 'a bot' : 'bots'} (${botDrops.map(([r, n]) => `${botRule(r)}: ${n}`).join(', ')})`,
    action:
      'if these are real visitors, set Bots to "Keep (marked as bots)" in the site\'s settings to store them flagged, or send them server-side (POST /v1/events)',
  };
}

/** Warnings a user can act on, from the counts of the window and of the last hour. */
export function healthWarnings(
  totals: Totals,
  lastHour: Totals,
  deadWaiting: number,
  hours: number,
): Warning[] {
  const out: Warning[] = [];
  const bots = allBotsWarning(lastHour);
  if (bots) out.push(bots);
  const origin = totals.rejected.origin_not_allowed ?? 0;
  if (origin > 0)
    out.push({
      code: 'origin_not_allowed',
      message: `${hits(origin)} in the last ${hours} h came from a domain not in the site's Allowed domains and ${were(origin)} refused`,
      action:
        "if the domain is yours, add it to Allowed domains in the site's settings; otherwise someone else is using your snippet",
    });
  const paused = totals.rejected.site_paused ?? 0;
  if (paused > 0)
    out.push({
      code: 'site_paused',
      message: `${hits(paused)} refused because the site is paused`,
      action: "Resume tracking in the site's settings to count them again",
    });
  const invalid = totals.rejected.invalid_hit ?? 0;
  if (invalid > 0 && invalid * 10 >= totals.received)
    out.push({
      code: 'invalid_hits',
      message: `${invalid} of ${hits(totals.received)} in the last ${hours} h ${were(invalid)} invalid and refused`,
      action:
        'the 4xx answers name the fields; check the sender against docs/tracker.md or docs/server-side.md',
    });
  const consent = totals.dropped.consent ?? 0;
  if (consent > 0)
    out.push({
      code: 'dropped_no_consent',
      message: `${hits(consent)} dropped in the last ${hours} h: the site requires consent and ${consent === 1 ? 'it' : 'they'} carried none`,
      action:
        'hits of an old cached tracker or of a pixel without consent=1; the current tracker sends them once the page calls beacon.consent(true) (docs/privacy.md)',
    });
  if (deadWaiting > 0)
    out.push({
      code: 'dead_letters_waiting',
      message: `${deadWaiting} dead letter${deadWaiting === 1 ? '' : 's'} waiting`,
      action: 'beacon dead-letters list shows their errors; fix the cause, then beacon dead-letters replay',
    });
  return out;
}

export function registerIngestRoutes(t: RouteTable, d: ApiDeps): void {
  registerIngestTokens(t, d);
  registerIngestionHealth(t, d);
}

function registerIngestTokens(t: RouteTable, d: ApiDeps): void {
  const tokens = siteResource<TokenRow, typeof tokenSchema>(t, d, {
    noun: 'ingest token',
    tags,
    readRoles: WRITERS,
    owner: ({ site }) => [site.id],
    item: tokenSchema,
    toItem: toToken,
  });
  tokens.list({
    summary: "The site's ingest tokens (never the tokens themselves), newest first",
    answer: 'Tokens',
    sql: sql.listIngestTokens,
  });

  t.define(
    {
      route: 'post /v1/sites/:siteId/ingest-tokens',
      summary:
        'Create an ingest token for server-side events (POST /v1/events on the collector); the answer is the only time the token is shown',
      tags,
      roles: WRITERS,
      body: z.object({ name: z.string().trim().max(100).default('') }).strict(),
      responses: { 201: ['The new token, in clear this once', createdTokenSchema] },
    },
    async ({ site, auth, body }) => {
      const { token, hash, prefix } = newIngestToken();
      const values = [site.id, body.name, hash, prefix, auth.userId];
      const { rows } = await d.pool.query<TokenRow>(sql.insertIngestToken, values);
      return { ...toToken(rows[0]!), token };
    },
  );

  t.define(
    {
      route: `delete ${tokens.one}`,
      summary: 'Revoke an ingest token (the collector refuses it within INTAKE_TOKEN_CACHE_TTL_MS)',
      tags,
      roles: WRITERS,
      params: tokens.params,
      responses: { 200: ['The revoked token', tokenSchema] },
    },
    async ({ site, params }) => {
      const { rows } = await d.pool.query<TokenRow>(sql.revokeIngestToken, [site.id, params.tokenId]);
      return toToken(tokens.found(rows[0]));
    },
  );
}

interface HealthRow {
  hour: Date;
  outcome: string;
  reason: string;
  count: string;
}

/**
 * The window's counts per hour and in total, and those of "the last hour": the current hour bucket and
 * the one before (a bucket boundary must not hide it).
 */
function tally(rows: readonly HealthRow[], to: Date) {
  const byHour = new Map<number, Totals>();
  const totals = emptyTotals();
  const lastHour = emptyTotals();
  const recent = to.getTime() - 2 * 3_600_000;
  for (const r of rows) {
    const h = r.hour.getTime();
    if (!byHour.has(h)) byHour.set(h, emptyTotals());
    addTo(byHour.get(h)!, r.outcome, r.reason, Number(r.count));
    addTo(totals, r.outcome, r.reason, Number(r.count));
    if (h >= recent) addTo(lastHour, r.outcome, r.reason, Number(r.count));
  }
  const hours = [...byHour.entries()]
    .sort((a, b) => a[0] - b[0])
    .map(([h, tot]) => ({ hour: new Date(h).toISOString(), ...tot }));
  return { totals, lastHour, hours };
}

function registerIngestionHealth(t: RouteTable, d: ApiDeps): void {
  t.define(
    {
      route: 'get /v1/sites/:siteId/ingestion-health',
      summary:
        "What happened to the site's hits per hour: received, rejected and dropped by reason, dead-lettered, stored; with warnings to act on",
      tags,
      query: z
        .object({ hours: qInt(1, 720).optional().meta({ description: 'window in hours, default 24' }) })
        .strict(),
      responses: { 200: ['Ingestion health', healthSchema] },
    },
    async ({ site, query }) => {
      const hours = query.hours ?? 24;
      const now = Date.now();
      const to = new Date(now - (now % 3_600_000) + 3_600_000);
      const from = new Date(to.getTime() - hours * 3_600_000);
      const { rows } = await d.pool.query<HealthRow>(ingestHealthSql.healthForSite, [
        site.scriptId,
        from,
        to,
      ]);
      const { totals, lastHour, hours: perHour } = tally(rows, to);
      const dead = await d.pool.query<{ waiting: number }>(ingestHealthSql.deadLettersWaiting, [
        site.scriptId,
      ]);
      const deadWaiting = dead.rows[0]?.waiting ?? 0;
      return {
        from: from.toISOString(),
        to: to.toISOString(),
        totals,
        hours: perHour,
        dead_letters_waiting: deadWaiting,
        warnings: healthWarnings(totals, lastHour, deadWaiting, hours),
      };
    },
  );
}
