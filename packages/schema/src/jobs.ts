import { z } from 'zod';
import { EVENT_COLUMN_BY_NAME, EVENT_COLUMN_NAMES, type UncheckedEventRow } from './columns.js';

/**
 * Queue payloads. Jobs carry batches, never single hits: one Redis round trip per hit would cap the
 * pipeline. Each payload is a discriminated union member on `type` with a version `v`, parsed again by
 * its consumer.
 */

export const QUEUE_HITS = 'hits';
export const QUEUE_EVENTS = 'events';

/** Client-hint request headers the collector forwards (lower-case names). */
export const CLIENT_HINT_HEADERS = [
  'sec-ch-ua',
  'sec-ch-ua-mobile',
  'sec-ch-ua-platform',
  'sec-ch-ua-platform-version',
  'sec-ch-ua-model',
  'sec-ch-ua-full-version-list',
  'sec-ch-ua-arch',
  'sec-ch-ua-bitness',
] as const;

/** Intakes other than the tracker (RawRequest.source). */
export const INTAKE_SOURCES = ['server', 'plausible', 'umami', 'ga4', 'segment'] as const;
export type IntakeSource = (typeof INTAKE_SOURCES)[number];

/** A hit as the collector stamped it: the validated wire fields plus its id and receipt time. */
export const rawHitSchema = z
  .object({
    /** UUIDv7 assigned once at receipt; the events primary key. */
    id: z.uuid(),
    /** ISO 8601 receipt time (UTC). */
    server_timestamp: z.iso.datetime({ offset: true }),
    event_name: z.string().min(1).max(100),
  })
  .catchall(z.unknown());
export type RawHit = z.infer<typeof rawHitSchema>;

/** The hits of one HTTP request with what only the server knows about that request. */
export const rawRequestSchema = z.object({
  /** sites.script_id */
  site_id: z.string().min(1).max(50),
  /** Client IP through trusted proxies only; null when unknown. */
  ip: z.string().max(45).nullable(),
  user_agent: z.string().nullable(),
  client_hints: z.record(z.string(), z.string()),
  /** Origin or Referer host of the request, when the browser sent one. */
  origin: z.string().nullable().optional(),
  /**
   * How the hits came in when not from the tracker: 'server' (POST /v1/events) or a compatible intake
   * ('plausible', 'umami', 'ga4', 'segment'). Absent for the tracker. Kept in properties.intake.
   */
  source: z.enum(INTAKE_SOURCES).optional(),
  /**
   * The sender authenticated with a secret and set ip/user_agent itself (a backend): bot rules flag
   * these hits (properties.server_side, properties.bot_reason) but never drop them.
   */
  server_side: z.boolean().optional(),
  hits: z.array(rawHitSchema).min(1),
});
export type RawRequest = z.infer<typeof rawRequestSchema>;

/** Queue `hits`: one collector micro-batch (hits of one or more requests). */
export const rawJobSchema = z.object({
  type: z.literal('raw'),
  v: z.literal(1),
  requests: z.array(rawRequestSchema).min(1),
});
export type RawJob = z.infer<typeof rawJobSchema>;

/**
 * The firms identified in an events job's rows, for the writer's upserts. Without `agency_id`: agency-
 * neutral facts (company database, MaxMind, ASN) for the shared `companies` table. With it: facts from
 * that agency's own IP ranges, stored only in its `agency_companies` rows (migration 0060).
 */
export const enrichedCompanySchema = z.object({
  domain: z.string().min(1).max(255),
  agency_id: z.uuid().optional(),
  name: z.string().max(255).nullable(),
  industry: z.string().max(100).nullable(),
  employee_count: z.string().max(50).nullable(),
  revenue: z.string().max(50).nullable(),
  enrichment_data: z.record(z.string(), z.unknown()).optional(),
});
export type EnrichedCompany = z.infer<typeof enrichedCompanySchema>;

/**
 * Queue `events`, version 1: rows ready for the events table, each row an object naming every column
 * (see EVENT_COLUMNS); timestamps as ISO strings, jsonb columns as JSON values. `companies` carries the
 * firms identified in these rows for the writer's upsert. Still accepted by the writer (jobs queued by
 * an older enricher, `beacon dead-letters replay`); the enricher emits version 2.
 */
export const enrichedJobV1Schema = z.object({
  type: z.literal('events'),
  v: z.literal(1),
  rows: z.array(z.record(z.string(), z.unknown())).min(1),
  companies: z.array(enrichedCompanySchema).optional(),
});
export type EnrichedJobV1 = z.infer<typeof enrichedJobV1Schema>;

/**
 * Queue `events`, version 2 (what the enricher emits): the same rows, every column still named but once
 * per job: `columns` lists EVENT_COLUMNS names, each row is an array of values in that order (same value
 * encoding as v1). Naming 73 columns in every row object made a 100-row job ~5x its raw job; v2 is the
 * values only. A consumer reads values by the names in `columns` (not by position in EVENT_COLUMNS), so
 * a job from an enricher with more or fewer columns still decodes; unknown names are ignored, missing
 * columns are null.
 */
export const enrichedJobV2Schema = z
  .object({
    type: z.literal('events'),
    v: z.literal(2),
    columns: z.array(z.string().min(1)).min(1),
    rows: z.array(z.array(z.unknown())).min(1),
    companies: z.array(enrichedCompanySchema).optional(),
  })
  .check((ctx) => {
    const issue = enrichedJobV2Issue(ctx.value);
    if (issue)
      ctx.issues.push({ code: 'custom', message: issue.message, input: ctx.value, path: issue.path });
  });
export type EnrichedJobV2 = z.infer<typeof enrichedJobV2Schema>;

/**
 * What is wrong with the shape of a version 2 job beyond its types: a repeated column name, or a row
 * whose value count differs from the column count. Null when nothing.
 */
export function enrichedJobV2Issue(job: {
  columns: readonly string[];
  rows: readonly (readonly unknown[])[];
}): { message: string; path: (string | number)[] } | null {
  const { columns, rows } = job;
  if (new Set(columns).size !== columns.length)
    return { message: 'columns must not repeat a name', path: ['columns'] };
  for (let i = 0; i < rows.length; i++)
    if (rows[i]!.length !== columns.length)
      return {
        message: `row ${i} has ${rows[i]!.length} values for ${columns.length} columns`,
        path: ['rows', i],
      };
  return null;
}

/** Queue `events`: either version, told apart by `v`. */
export const enrichedJobSchema = z.union([enrichedJobV1Schema, enrichedJobV2Schema]);
export type EnrichedJob = EnrichedJobV1 | EnrichedJobV2;

/**
 * Per-row readers compiled once per column list (`new Function` over JSON-quoted column names, so no
 * input reaches the code as anything but a string literal). A generic loop with `row[columns[i]]` costs
 * ~1.1 µs a row of 73 columns; named reads of rows that share one shape cost ~0.05 µs.
 */
const compiled = new Map<string, (input: never) => unknown>();
function compile<T>(key: string, make: () => string): T {
  let fn = compiled.get(key);
  if (!fn) {
    if (compiled.size >= 64) compiled.clear(); // column lists vary only between versions: a handful
    fn = new Function('r', make()) as (input: never) => unknown;
    compiled.set(key, fn);
  }
  return fn as T;
}

/** row object -> its values in `columns` order (a missing key is null). */
function valuesReader(columns: readonly string[]): (row: Record<string, unknown>) => unknown[] {
  return compile(`v:${JSON.stringify(columns)}`, () => {
    const reads = columns.map((c) => `r[${JSON.stringify(c)}] ?? null`);
    return `return [${reads.join(', ')}];`;
  });
}

/** values in `columns` order -> row object of the events columns among them (others ignored). */
function rowBuilder(columns: readonly string[]): (values: readonly unknown[]) => UncheckedEventRow {
  return compile(`o:${JSON.stringify(columns)}`, () => {
    const fields: string[] = [];
    // Only events columns are kept (an unknown name is ignored; no name can reach the prototype).
    columns.forEach((c, i) => {
      if (EVENT_COLUMN_BY_NAME.has(c)) fields.push(`${JSON.stringify(c)}: r[${i}] ?? null`);
    });
    return `return { ${fields.join(', ')} };`;
  });
}

/**
 * A version 2 events job from row objects: `columns` (EVENT_COLUMN_NAMES unless given) once, then each
 * row's values in that order (a key the row lacks is null).
 */
export function encodeEnrichedJob(
  rows: readonly Record<string, unknown>[],
  columns: readonly string[] = EVENT_COLUMN_NAMES,
  companies?: EnrichedCompany[],
): EnrichedJobV2 {
  const read = valuesReader(columns);
  const out: unknown[][] = new Array(rows.length);
  for (let r = 0; r < rows.length; r++) out[r] = read(rows[r]!);
  const job: EnrichedJobV2 = { type: 'events', v: 2, columns: [...columns], rows: out };
  if (companies && companies.length > 0) job.companies = companies;
  return job;
}

/** The rows of an events job of either version as objects keyed by column name. */
export function enrichedJobRows(job: EnrichedJob): UncheckedEventRow[] {
  if (job.v === 1) return job.rows;
  const build = rowBuilder(job.columns);
  const out: UncheckedEventRow[] = new Array(job.rows.length);
  for (let r = 0; r < job.rows.length; r++) out[r] = build(job.rows[r]!);
  return out;
}
