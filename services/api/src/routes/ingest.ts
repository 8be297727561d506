import { z } from 'zod';
import { ingestHealthSql, ingestTokenSql as sql, newIngestToken, type IngestTokenRow } from '@beacon/db';
import { WRITERS } from '../auth/types.js';
import type { ApiDeps } from '../deps.js';
import { NotFoundError } from '../http/errors.js';
import { qInt } from '../http/validate.js';
import type { RouteTable } from '../openapi/route-table.js';
import { iso } from './schemas.js';

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
    dropped: counts.meta({ description: 'by reason: bot:<rule>, duplicate, site_deleted, invalid' }),
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

/** Warnings a user can act on, from the counts of the window and of the last hour. */
export function healthWarnings(
  totals: Totals,
  lastHour: Totals,
  deadWaiting: number,
  hours: number,
): z.infer<typeof warningSchema>[] {
  const out: z.infer<typeof warningSchema>[] = [];
  const botDrops = Object.entries(lastHour.dropped).filter(([r]) => r.startsWith('bot:'));
  const accepted = lastHour.received - sum(lastHour.rejected);
  if (accepted > 0 && lastHour.stored === 0 && sum(Object.fromEntries(botDrops)) === accepted) {
    const noUa = lastHour.dropped['bot:no_user_agent'] ?? 0;
    out.push(
      noUa === accepted
        ? {
            code: 'all_dropped_no_user_agent',
            message: `all ${accepted} hits of the last hour were dropped as bots: no User-Agent`,
            action:
              'hits sent by a backend or a script carry no browser User-Agent: send them to the server-side endpoint POST /v1/events with a site ingest token (docs/server-side.md)',
          }
        : {
            code: 'all_dropped_bots',
            message: `all ${accepted} hits of the last hour were dropped as bots (${botDrops.map(([r, n]) => `${r.slice(4)}: ${n}`).join(', ')})`,
            action:
              "if these are real visitors, set the site's bot_policy to keep to store them flagged, or send them server-side (POST /v1/events)",
          },
    );
  }
  const origin = totals.rejected.origin_not_allowed ?? 0;
  if (origin > 0)
    out.push({
      code: 'origin_not_allowed',
      message: `${origin} hits from an origin not in the allowed list in the last ${hours} h`,
      action:
        "add the origin to the site's allowed_origins (site settings) if it is yours; otherwise someone else is using your snippet",
    });
  const paused = totals.rejected.site_paused ?? 0;
  if (paused > 0)
    out.push({
      code: 'site_paused',
      message: `${paused} hits refused because the site is paused`,
      action: 'set the site back to active to count them again',
    });
  const invalid = totals.rejected.invalid_hit ?? 0;
  if (invalid > 0 && invalid * 10 >= totals.received)
    out.push({
      code: 'invalid_hits',
      message: `${invalid} of ${totals.received} hits in the last ${hours} h were invalid and refused`,
      action:
        'the 4xx answers name the fields; check the sender against docs/tracker.md or docs/server-side.md',
    });
  if (deadWaiting > 0)
    out.push({
      code: 'dead_letters_waiting',
      message: `${deadWaiting} dead letters waiting`,
      action: 'beacon dead-letters list shows their errors; fix the cause, then beacon dead-letters replay',
    });
  return out;
}

export function registerIngestRoutes(t: RouteTable, d: ApiDeps): void {
  const tokenParams = z.object({ siteId: z.string().min(1).max(200), tokenId: z.uuid() });

  t.define(
    {
      method: 'get',
      path: '/v1/sites/:siteId/ingest-tokens',
      summary: "The site's ingest tokens (never the tokens themselves), newest first",
      tags: ['ingest'],
      roles: WRITERS,
      responses: { 200: { description: 'Tokens', schema: z.object({ items: z.array(tokenSchema) }) } },
    },
    async ({ site }) => {
      const { rows } = await d.pool.query<TokenRow>(sql.listIngestTokens, [site.id]);
      return { items: rows.map(toToken) };
    },
  );

  t.define(
    {
      method: 'post',
      path: '/v1/sites/:siteId/ingest-tokens',
      summary:
        'Create an ingest token for server-side events (POST /v1/events on the collector); the answer is the only time the token is shown',
      tags: ['ingest'],
      roles: WRITERS,
      request: { body: z.object({ name: z.string().trim().max(100).default('') }).strict() },
      responses: { 201: { description: 'The new token, in clear this once', schema: createdTokenSchema } },
    },
    async ({ site, auth, body }) => {
      const { token, hash, prefix } = newIngestToken();
      const { rows } = await d.pool.query<TokenRow>(sql.insertIngestToken, [
        site.id,
        body.name,
        hash,
        prefix,
        auth.userId,
      ]);
      return { ...toToken(rows[0]!), token };
    },
  );

  t.define(
    {
      method: 'delete',
      path: '/v1/sites/:siteId/ingest-tokens/:tokenId',
      summary: 'Revoke an ingest token (the collector refuses it within INTAKE_TOKEN_CACHE_TTL_MS)',
      tags: ['ingest'],
      roles: WRITERS,
      request: { params: tokenParams },
      responses: { 200: { description: 'The revoked token', schema: tokenSchema } },
    },
    async ({ site, params }) => {
      const { rows } = await d.pool.query<TokenRow>(sql.revokeIngestToken, [site.id, params.tokenId]);
      if (!rows[0]) throw new NotFoundError('ingest token');
      return toToken(rows[0]);
    },
  );

  t.define(
    {
      method: 'get',
      path: '/v1/sites/:siteId/ingestion-health',
      summary:
        "What happened to the site's hits per hour: received, rejected and dropped by reason, dead-lettered, stored; with warnings to act on",
      tags: ['ingest'],
      request: {
        query: z
          .object({ hours: qInt(1, 720).optional().meta({ description: 'window in hours, default 24' }) })
          .strict(),
      },
      responses: { 200: { description: 'Ingestion health', schema: healthSchema } },
    },
    async ({ site, query }) => {
      const hours = query.hours ?? 24;
      const now = Date.now();
      const to = new Date(now - (now % 3_600_000) + 3_600_000);
      const from = new Date(to.getTime() - hours * 3_600_000);
      const { rows } = await d.pool.query<{ hour: Date; outcome: string; reason: string; count: string }>(
        ingestHealthSql.healthForSite,
        [site.scriptId, from, to],
      );
      const byHour = new Map<number, Totals>();
      const totals = emptyTotals();
      for (const r of rows) {
        const h = r.hour.getTime();
        if (!byHour.has(h)) byHour.set(h, emptyTotals());
        addTo(byHour.get(h)!, r.outcome, r.reason, Number(r.count));
        addTo(totals, r.outcome, r.reason, Number(r.count));
      }
      // "The last hour": the current hour bucket and the one before (a bucket boundary must not hide it).
      const lastHour = emptyTotals();
      const recent = to.getTime() - 2 * 3_600_000;
      for (const r of rows)
        if (r.hour.getTime() >= recent) addTo(lastHour, r.outcome, r.reason, Number(r.count));
      const dead = await d.pool.query<{ waiting: number }>(ingestHealthSql.deadLettersWaiting, [
        site.scriptId,
      ]);
      const deadWaiting = dead.rows[0]?.waiting ?? 0;
      return {
        from: from.toISOString(),
        to: to.toISOString(),
        totals,
        hours: [...byHour.entries()]
          .sort((a, b) => a[0] - b[0])
          .map(([h, tot]) => ({ hour: new Date(h).toISOString(), ...tot })),
        dead_letters_waiting: deadWaiting,
        warnings: healthWarnings(totals, lastHour, deadWaiting, hours),
      };
    },
  );
}
