import { z } from 'zod';
import {
  createErasure,
  EXPORT_TABLES,
  findSubject,
  normalizeSubject,
  privacySql,
  subjectKinds,
  writeSubjectExport,
  SubjectError,
  SUBJECT_MAX_LENGTH,
  type ErasureRow,
  type Subject,
} from '@beacon/db';
import { ADMINS } from '../auth/types.js';
import type { ApiDeps } from '../deps.js';
import { audit } from '../http/audit.js';
import { BadRequestError, NotFoundError } from '../http/errors.js';
import { pageQuery } from '../http/validate.js';
import type { RouteTable } from '../openapi/route-table.js';
import { decodeTimeCursor, keysetPage } from './keyset.js';
import { iso, isoStamps, isUuid, pageOf, stamps } from './schemas.js';

/**
 * Data subject rights (docs/privacy-rights.md): find, export (JSON, CSV) and erase everything about
 * one person within the caller's agency. Admins only; every request is in the audit log, which names
 * the kinds of identifiers used, never their values.
 */
const subjectShape = {
  client_id: z.string().max(SUBJECT_MAX_LENGTH.client_id).optional(),
  user_id: z.string().max(SUBJECT_MAX_LENGTH.user_id).optional(),
  email_hash: z.string().max(SUBJECT_MAX_LENGTH.email_hash).optional(),
  phone_hash: z.string().max(SUBJECT_MAX_LENGTH.phone_hash).optional(),
  ip: z
    .string()
    .max(SUBJECT_MAX_LENGTH.ip)
    .optional()
    .meta({ description: 'IPv4 or IPv6, as stored (truncated IPs match as 1.2.3.0)' }),
};
const subjectBody = z.object(subjectShape).strict().meta({
  id: 'PrivacySubject',
  description: "One person's identifiers (at least one); a row is theirs when any of them matches.",
});

const exportBody = z
  .object({
    ...subjectShape,
    format: z.enum(['json', 'csv']).optional().default('json'),
    table: z
      .enum(EXPORT_TABLES)
      .optional()
      .meta({ description: 'CSV only: which table (default events); JSON holds all of them' }),
  })
  .strict()
  .meta({ id: 'PrivacyExportRequest' });

const summarySchema = z
  .object({
    events: z.number().int(),
    first_event_at: z.string().nullable(),
    last_event_at: z.string().nullable(),
    event_sessions: z.number().int().meta({ description: 'distinct session_id values among the events' }),
    event_clients: z.number().int().meta({ description: 'distinct client_id values among the events' }),
    sessions: z.number().int(),
    dead_events: z.number().int(),
  })
  .meta({ id: 'PrivacySummary' });

const erasureSchema = z
  .object({
    id: z.uuid(),
    state: z.enum(['pending', 'running', 'done', 'failed']),
    phase: z.string(),
    subject_kinds: z.array(z.string()),
    counts: z.record(z.string(), z.number()).meta({
      description:
        'rows removed or changed so far: events, dead_events, sessions, rollup_sessions and rollup_names (re-keyed), dedupe_markers',
    }),
    passes: z.number().int(),
    requested_by: z.string().nullable(),
    error: z.string().nullable(),
    ...stamps,
    finished_at: z.string().nullable(),
  })
  .meta({ id: 'Erasure' });

const exportAnswer = z
  .object({
    agency_id: z.uuid(),
    subject_kinds: z.array(z.string()),
    generated_at: z.string(),
    events: z.array(z.record(z.string(), z.unknown())),
    sessions: z.array(z.record(z.string(), z.unknown())),
    dead_events: z.array(z.record(z.string(), z.unknown())),
  })
  .meta({ id: 'PrivacyExport' });

const tags = ['privacy'];
/** Every route here: admins only. */
const adminRoute = { tags, roles: ADMINS };

function subjectOf(body: Record<string, unknown>): Subject {
  const { format: _f, table: _t, ...ids } = body;
  try {
    return normalizeSubject(ids);
  } catch (err) {
    if (err instanceof SubjectError) throw new BadRequestError('invalid_request', err.message);
    throw err;
  }
}

function toErasure(r: ErasureRow): z.infer<typeof erasureSchema> {
  return {
    id: r.id,
    state: r.state,
    phase: r.phase,
    subject_kinds: r.subject_kinds,
    counts: Object.fromEntries(Object.entries(r.counts ?? {}).map(([k, v]) => [k, Number(v)])),
    passes: r.passes,
    requested_by: r.requested_by,
    error: r.error,
    ...isoStamps(r),
    finished_at: iso(r.finished_at),
  };
}

export function registerPrivacyRoutes(t: RouteTable, d: ApiDeps): void {
  registerFind(t, d);
  registerExport(t, d);
  registerErasures(t, d);
}

function registerFind(t: RouteTable, d: ApiDeps): void {
  t.define(
    {
      route: 'post /v1/privacy/find',
      summary: 'Count what the agency holds about one person',
      description:
        'Events (every month), session rows and dead letters matching any of the identifiers, over every site of the agency.',
      ...adminRoute,
      body: subjectBody,
      responses: { 200: ['What is stored', summarySchema] },
    },
    async (ctx) => {
      const subject = subjectOf(ctx.body);
      const s = await findSubject(d.pool, ctx.auth.agencyId, subject);
      await audit(d, ctx, 'privacy.find', undefined, {
        identifiers: subjectKinds(subject),
        events: s.events,
      });
      return { ...s, first_event_at: iso(s.first_event_at), last_event_at: iso(s.last_event_at) };
    },
  );
}

function registerExport(t: RouteTable, d: ApiDeps): void {
  t.define(
    {
      route: 'post /v1/privacy/export',
      summary: 'Export everything about one person (JSON, or CSV per table)',
      description:
        'Streams every column of the matching events (all months), session rows and dead letters. format=csv answers text/csv of one table (`table`, default events).',
      ...adminRoute,
      body: exportBody,
      responses: { 200: ['The export (format=csv: text/csv of one table)', exportAnswer] },
    },
    async (ctx) => {
      const { body, res, auth } = ctx;
      const subject = subjectOf(body);
      const table = body.table ?? 'events';
      await audit(d, ctx, 'privacy.export', undefined, {
        identifiers: subjectKinds(subject),
        format: body.format,
        ...(body.format === 'csv' ? { table } : {}),
      });
      res.setHeader('cache-control', 'no-store');
      if (body.format === 'csv') {
        res.status(200).setHeader('content-type', 'text/csv; charset=utf-8');
        res.setHeader('content-disposition', `attachment; filename="privacy-export-${table}.csv"`);
      } else res.status(200).setHeader('content-type', 'application/json; charset=utf-8');
      await writeSubjectExport(d.pool, res, auth.agencyId, subject, {
        format: body.format,
        table,
        sliceHours: d.config.dataRights.eraseSliceHours,
      });
      res.end();
      return undefined;
    },
  );
}

function registerErasures(t: RouteTable, d: ApiDeps): void {
  t.define(
    {
      route: 'post /v1/privacy/erasures',
      summary: 'Erase everything about one person (runs in the background, resumable)',
      description:
        'Records an erasure request and starts it: events of every month, dead letters, session rows and Redis dedupe markers are deleted in bounded batches; ' +
        'rollup rows keep their counts under new anonymous keys, so period totals do not change. Poll GET /v1/privacy/erasures/{erasureId}. ' +
        'With PRIVACY_ERASE_IN_API=false the request waits for `beacon privacy resume`.',
      ...adminRoute,
      body: subjectBody,
      responses: { 202: ['The request, accepted', erasureSchema] },
    },
    async (ctx) => {
      const subject = subjectOf(ctx.body);
      const who = ctx.auth.userId ? `user:${ctx.auth.userId}` : 'api_key';
      const settleS = d.config.dataRights.eraseSettleMinutes * 60;
      const row = await createErasure(d.pool, ctx.auth.agencyId, subject, who, settleS);
      const target = { type: 'erasure', id: row.id };
      await audit(d, ctx, 'privacy.erase', target, { identifiers: row.subject_kinds });
      d.erasures.start(row.id);
      return toErasure(row);
    },
  );

  t.define(
    {
      route: 'get /v1/privacy/erasures',
      summary: "The agency's erasure requests, newest first",
      ...adminRoute,
      query: pageQuery,
      responses: { 200: ['A page of requests', pageOf(erasureSchema, 'ErasurePage')] },
    },
    async ({ auth, query }) => {
      const after = decodeTimeCursor(query.cursor, 'uuid');
      const { rows } = await d.pool.query<ErasureRow & { created_key: string }>(privacySql.listErasures, [
        auth.agencyId,
        ...after,
        query.limit + 1,
      ]);
      return keysetPage(rows, query.limit, toErasure, (r) => [r.created_key, r.id]);
    },
  );

  t.define(
    {
      route: 'get /v1/privacy/erasures/:erasureId',
      summary: 'One erasure request: state, phase and counts',
      ...adminRoute,
      params: z.object({ erasureId: z.string().min(1).max(200) }),
      responses: { 200: ['The request', erasureSchema] },
    },
    async ({ auth, params }) => {
      // Not a uuid: no such request (404, as for an id of another agency), never a failed cast.
      if (!isUuid(params.erasureId)) throw new NotFoundError('erasure request');
      const { rows } = await d.pool.query<ErasureRow>(privacySql.erasureOfAgency, [
        auth.agencyId,
        params.erasureId,
      ]);
      if (!rows[0]) throw new NotFoundError('erasure request');
      return toErasure(rows[0]);
    },
  );
}
