import { createHash } from 'node:crypto';
import { HealthTally, receiptHour } from '@beacon/db';
import {
  cleanText,
  encodeEnrichedJob,
  EVENT_COLUMN_NAMES,
  EVENT_COLUMNS,
  fitToColumn,
  rawHitSchema,
  rawRequestSchema,
  type BrowserFieldName,
  type ColumnDef,
  type EnrichedCompany,
  type EnrichedJobV2,
  type EventColumnName,
  type RawHit,
  type RawRequest,
} from '@beacon/schema';
import type { CachedSite, SiteCache } from './sites.js';
import { runSteps, type DropReason, type EnrichContext, type EventRow, type Step } from './pipeline.js';

/** A hit the enricher cannot turn into a row: goes to dead_events with this message. */
export class PoisonHitError extends Error {
  override readonly name = 'PoisonHitError';
  readonly code = 'ENRICHER_POISON_HIT';
}

/** The job itself is not a raw job (not even its requests can be read): nothing to dead-letter per hit. */
export class InvalidJobError extends Error {
  override readonly name = 'InvalidJobError';
  readonly code = 'ENRICHER_INVALID_JOB';
}

export interface DeadHit {
  readonly id: string;
  readonly siteId: string | null;
  readonly payload: unknown;
  readonly error: string;
}

/**
 * A reader per wire field (the registry's browser fields but event_name, which is set apart), made once
 * from its column: checks that a value fits the column type (PoisonHitError when not) and cleans and cuts
 * strings. The collector checked the hit already; a job from elsewhere (a replay, an older collector) may
 * not have been.
 */
const WIRE_READERS: readonly (readonly [BrowserFieldName, (v: unknown) => unknown])[] = EVENT_COLUMNS.filter(
  (c: ColumnDef) => c.source === 'browser' && c.name !== 'event_name',
).map((c) => [c.name as BrowserFieldName, wireReader(c)]);

function wireReader(col: ColumnDef): (v: unknown) => unknown {
  const { name, type } = col;
  const number = (v: unknown): number => {
    if (typeof v !== 'number' || !Number.isFinite(v)) throw new PoisonHitError(`${name}: expected a number`);
    return v;
  };
  switch (type) {
    case 'int':
      return (v) => {
        if (number(v) > 2_147_483_647 || (v as number) < -2_147_483_648)
          throw new PoisonHitError(`${name}: out of range`);
        return Math.trunc(v as number);
      };
    case 'bigint':
      return (v) => Math.trunc(number(v));
    case 'decimal':
      return number;
    case 'jsonb':
      return (v) => {
        // A JSON object, as the hit schema has it (properties are merged with the steps' facts).
        if (typeof v !== 'object' || Array.isArray(v))
          throw new PoisonHitError(`${name}: expected an object`);
        return v;
      };
    default:
      return (v) => {
        if (typeof v !== 'string') throw new PoisonHitError(`${name}: expected a string`);
        return fitToColumn(name as EventColumnName, cleanText(v, { keepWhitespace: type === 'text' }));
      };
  }
}

const EMPTY_ROW = Object.fromEntries(EVENT_COLUMN_NAMES.map((c) => [c, null])) as {
  [K in EventColumnName]: null;
};

/** The row for a hit before the steps: wire fields, server facts, every other column null. */
export function baseRow(hit: RawHit, request: RawRequest): EventRow {
  const row: EventRow = {
    ...EMPTY_ROW,
    id: hit.id,
    site_id: request.site_id,
    event_name: fitToColumn('event_name', hit.event_name),
    server_timestamp: hit.server_timestamp,
    user_agent: request.user_agent === null ? null : cleanText(request.user_agent),
  };
  const h = hit as Record<string, unknown>;
  const r = row as Record<string, unknown>;
  for (const [name, read] of WIRE_READERS) {
    const v = h[name];
    if (v !== undefined) r[name] = v === null ? null : read(v);
  }
  return row;
}

/** A stable UUID for a dead letter whose hit has no usable id (hash of the job id and position). */
export function stableUuid(text: string): string {
  const h = createHash('sha1').update(text).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-5${h.slice(13, 16)}-${((parseInt(h[16]!, 16) & 3) | 8).toString(16)}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/** zod's z.uuid() pattern (RFC 9562 versions 1-8, nil, max). */
const RAW_HIT_ID_RE =
  /^([0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[1-8][0-9a-fA-F]{3}-[89abAB][0-9a-fA-F]{3}-[0-9a-fA-F]{12}|00000000-0000-0000-0000-000000000000|ffffffff-ffff-ffff-ffff-ffffffffffff)$/;
/** The collector's stamp: Date#toISOString (UTC, milliseconds). */
const ISO_MS_RE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

/**
 * The hit as rawHitSchema reads it. A hit as the collector makes it (uuid id, toISOString timestamp,
 * event_name of 1-100 characters) passes a direct check and is used as it is (rawHitSchema's catchall
 * would copy every field: ~1.5 µs a hit); anything else goes through the schema, which accepts more
 * timestamp forms and words the error of a poison hit.
 */
function readRawHit(rawHit: unknown): RawHit {
  const h = rawHit as { id?: unknown; server_timestamp?: unknown; event_name?: unknown } | null;
  if (
    typeof h === 'object' &&
    h !== null &&
    !Array.isArray(h) &&
    typeof h.id === 'string' &&
    RAW_HIT_ID_RE.test(h.id) &&
    typeof h.event_name === 'string' &&
    h.event_name.length >= 1 &&
    h.event_name.length <= 100 &&
    typeof h.server_timestamp === 'string' &&
    ISO_MS_RE.test(h.server_timestamp) &&
    isRealInstant(h.server_timestamp)
  )
    return h as RawHit;
  const parsed = rawHitSchema.safeParse(rawHit);
  if (!parsed.success)
    throw new PoisonHitError(
      `invalid hit: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
    );
  return parsed.data;
}

/**
 * A real instant in ISO_MS_RE's form: month 1-12, a day that month has (leap years included), hour < 24,
 * minute and second < 60, so no 2026-02-31 slips past the schema. Digits read in place: Date.parse plus
 * toISOString cost ~0.5 µs a hit.
 */
function isRealInstant(s: string): boolean {
  const d = (i: number) => s.charCodeAt(i) - 48;
  const year = d(0) * 1000 + d(1) * 100 + d(2) * 10 + d(3);
  const month = d(5) * 10 + d(6);
  const day = d(8) * 10 + d(9);
  if (month < 1 || month > 12 || day < 1) return false;
  if (d(11) * 10 + d(12) > 23 || d(14) * 10 + d(15) > 59 || d(17) * 10 + d(18) > 59) return false;
  const leap = (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
  const days =
    month === 2 ? (leap ? 29 : 28) : month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
  return day <= days;
}

/** A request without its hits (each hit is parsed on its own so one bad hit cannot sink its siblings). */
const requestEnvelopeSchema = rawRequestSchema.omit({ hits: true });

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export interface HitsOutcome {
  /** Rows that passed every step, with their dedupe claim (event_id) if any. */
  readonly kept: { row: EventRow; siteId: string; agencyId: string; eventId: string | null }[];
  readonly dropped: Partial<Record<DropReason, number>>;
  readonly dead: DeadHit[];
  /** Drops (bot with its rule, duplicates) per site and receipt hour, for ingestion_health. */
  readonly health: HealthTally;
}

/** What one job's run collects while its requests are enriched (becomes the HitsOutcome). */
class JobRun {
  readonly kept: HitsOutcome['kept'] = [];
  readonly dropped: Partial<Record<DropReason, number>> = {};
  readonly dead: DeadHit[] = [];
  readonly health = new HealthTally();
  private n = 0;

  constructor(
    readonly jobId: string,
    readonly steps: readonly Step[],
    private readonly onStep: ((index: number, ms: number) => void) | undefined,
    private readonly timeEvery: number,
  ) {}

  /** The step timer for the next hit: every `timeEvery`-th hit is timed. */
  nextTimer(): ((index: number, ms: number) => void) | undefined {
    return this.n++ % this.timeEvery === 0 ? this.onStep : undefined;
  }

  drop(reason: DropReason, siteId: string | null, hit: unknown, detail: string = reason): void {
    this.dropped[reason] = (this.dropped[reason] ?? 0) + 1;
    if (siteId) this.health.add(siteId, receiptHour((hit as { id?: unknown })?.id), 'dropped', detail);
  }

  /** Dead hits are counted in ingestion health where they are recorded (writeDead), once per hit. */
  outcome(): HitsOutcome {
    return { kept: this.kept, dropped: this.dropped, dead: this.dead, health: this.health };
  }
}

/**
 * Runs the steps over every hit of a raw job payload. Pure apart from the site cache read: the same
 * payload gives the same rows. A hit whose request or fields cannot be read, or on which a step throws,
 * becomes a DeadHit; its siblings go on.
 */
export async function enrichHits(
  payload: unknown,
  jobId: string,
  sites: SiteCache,
  steps: readonly Step[],
  onStep?: (index: number, ms: number) => void,
  /** Time the steps of one hit in `timeEvery` (timing every hit costs ~0.5 µs per step). */
  timeEvery = 1,
): Promise<HitsOutcome> {
  const p = payload as { type?: unknown; v?: unknown; requests?: unknown };
  if (!p || typeof p !== 'object' || p.type !== 'raw' || !Array.isArray(p.requests))
    throw new InvalidJobError(`job ${jobId} is not a raw job (type ${String(p?.type)})`);
  const requests = p.requests as unknown[];
  const siteIds = new Set<string>();
  for (const r of requests) {
    const s = (r as { site_id?: unknown })?.site_id;
    if (typeof s === 'string') siteIds.add(s);
  }
  const siteMap = await sites.getMany(siteIds);
  const run = new JobRun(jobId, steps, onStep, timeEvery);
  requests.forEach((rawRequest, ri) => enrichRequest(run, rawRequest, ri, siteMap));
  return run.outcome();
}

/** The hits of one request of a raw job, each into a kept row, a drop or a dead letter of `run`. */
function enrichRequest(
  run: JobRun,
  rawRequest: unknown,
  ri: number,
  siteMap: ReadonlyMap<string, CachedSite | null>,
): void {
  const hitsOf = (rawRequest as { hits?: unknown })?.hits;
  const hits = Array.isArray(hitsOf) ? (hitsOf as unknown[]) : [];
  const envelope = requestEnvelopeSchema.safeParse(rawRequest);
  const siteIdRaw = (rawRequest as { site_id?: unknown })?.site_id;
  const siteId = typeof siteIdRaw === 'string' ? siteIdRaw.slice(0, 50) : null;
  const deadOf = (hit: unknown, hi: number, error: string): DeadHit => {
    const id = (hit as { id?: unknown })?.id;
    const { hits: _omit, ...requestPart } = (rawRequest ?? {}) as Record<string, unknown>;
    return {
      id: typeof id === 'string' && UUID_RE.test(id) ? id : stableUuid(`${run.jobId}/${ri}/${hi}`),
      siteId,
      payload: { request: requestPart, hit },
      error,
    };
  };
  if (!envelope.success || hits.length === 0) {
    const msg = envelope.success
      ? 'request has no hits'
      : `invalid request: ${envelope.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`;
    if (hits.length === 0) run.dead.push(deadOf(null, 0, msg));
    else hits.forEach((h, hi) => run.dead.push(deadOf(h, hi, msg)));
    return;
  }
  const request = { ...envelope.data, hits: [] } as unknown as RawRequest;
  const site = siteMap.get(request.site_id) ?? null;
  hits.forEach((rawHit, hi) => {
    if (!site || site.info.status === 'deleted') {
      run.drop('unknown_site', site ? request.site_id : null, rawHit, 'site_deleted');
      return;
    }
    try {
      enrichHit(run, readRawHit(rawHit), request, site);
    } catch (err) {
      run.dead.push(deadOf(rawHit, hi, `${(err as Error).name}: ${(err as Error).message}`));
    }
  });
}

/** One hit through the steps: a kept row or a drop. Throws what a step throws. */
function enrichHit(run: JobRun, hit: RawHit, request: RawRequest, site: CachedSite): void {
  const ctx: EnrichContext = {
    hit,
    request,
    site: site.info,
    siteConfig: site.config,
    row: baseRow(hit, request),
    properties: {},
    device: null,
    geo: null,
    network: null,
    isBot: false,
    botReason: null,
  };
  const reason = runSteps(run.steps, ctx, run.nextTimer());
  if (reason) {
    run.drop(reason, request.site_id, hit, reason === 'bot' ? `bot:${ctx.botReason ?? 'unknown'}` : reason);
    return;
  }
  finishRow(ctx);
  const row = ctx.row;
  run.kept.push({ row, siteId: request.site_id, agencyId: site.info.agencyId, eventId: row.event_id });
}

/** Merges the steps' extra facts into properties and cuts derived strings to their columns. */
function finishRow(ctx: EnrichContext): void {
  const row = ctx.row;
  const extra = ctx.properties;
  let hasExtra = false;
  for (const k in extra) {
    if (extra[k] !== undefined && extra[k] !== null) {
      hasExtra = true;
      break;
    }
  }
  if (hasExtra) row.properties = { ...row.properties, ...extra };
  fitBounded(row, fitToColumn);
}

/**
 * Cuts every varchar column with a length limit to fit (fitToColumn), as one function compiled from
 * EVENT_COLUMNS (JSON-quoted names, numeric limits): named reads of rows that share one shape, instead
 * of a loop of `row[name]` over 73 columns (~1 µs a row).
 */
const fitBounded = new Function(
  'r',
  'fit',
  EVENT_COLUMNS.flatMap((c) => {
    if (c.type !== 'varchar' || c.max === undefined) return [];
    const k = JSON.stringify(c.name);
    return [
      `if (typeof r[${k}] === 'string' && r[${k}].length > ${Number(c.max)}) r[${k}] = fit(${k}, r[${k}]);`,
    ];
  }).join('\n'),
) as (row: EventRow, fit: typeof fitToColumn) => void;

/** The events job for a raw job: same rows, id derived from the raw job id (BullMQ ignores a re-add). */
export function eventsJobId(rawJobId: string): string {
  // BullMQ refuses integer-looking custom ids; the collector's ids are UUIDs, so this rarely applies.
  return /^\d+$/.test(rawJobId) ? `raw-${rawJobId}` : rawJobId;
}

/**
 * The events job (EnrichedJob version 2) for these rows: the EVENT_COLUMNS names once, each row as its
 * values in that order (a v1 job named all 73 columns in every row: ~5x the bytes of the raw job).
 */
export function toEnrichedJob(rows: readonly EventRow[], companies?: EnrichedCompany[]): EnrichedJobV2 {
  return encodeEnrichedJob(rows, EVENT_COLUMN_NAMES, companies);
}
