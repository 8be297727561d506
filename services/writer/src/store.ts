import { createHash } from 'node:crypto';
import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import type pg from 'pg';
import copyStreams from 'pg-copy-streams';
import { columnsOf, deadLetterSql, HealthTally, receiptHour, recordDeadLetters } from '@beacon/db';
import type { UncheckedEventRow } from '@beacon/schema';
import { encodeCopyChunks } from './copy-text.js';
import { aggregateSessions } from './sessions.js';
import { isEventsRace, isPoisonError, pgErrorText } from './errors.js';
import { rollupInserted } from './rollup-step.js';
import { recordCompanyActivity } from './company-activity.js';
import * as sql from './sql/batch.js';

/** An events row as a job carries it: the field registry's columns, values checked by PostgreSQL. */
export type Row = UncheckedEventRow;

/** A firm of EnrichedJob.companies: agency-neutral, or (agency_id set) one agency's own facts. */
export interface Company {
  domain: string;
  /** Set: facts of this agency's own ranges, stored in agency_companies only (migration 0060). */
  agency_id?: string | undefined;
  name: string | null;
  industry: string | null;
  employee_count: string | null;
  revenue: string | null;
  enrichment_data?: Record<string, unknown> | undefined;
}

/** What is dead-lettered of a job that is not an events job: the job data whole. */
export interface FailedJobPayload {
  readonly job: unknown;
  readonly job_id: string;
}

export interface DeadRow {
  id: string;
  siteId: string | null;
  error: string;
  sqlstate: string;
}

export interface StoreResult {
  /** Rows offered (after removing duplicates inside the batch). */
  rows: number;
  /** Rows inserted into events. */
  inserted: number;
  /** Rows skipped because events already had them (a re-delivered job). */
  skipped: number;
  dead: DeadRow[];
  sessionsUpserted: number;
  /** Inserted events whose session_id belongs to another site. */
  sessionConflicts: number;
  /** Inserted events of a site_id missing from sites (stored, no session row). */
  unknownSiteEvents: number;
  companiesChanged: number;
  /** Transactions that committed (more than one when poison rows split the batch). */
  transactions: number;
  /** Transactions rolled back while looking for poison rows. */
  splits: number;
  /** Rollup rows added to or merged into (0 with rollups off). */
  rollupRows: number;
  /** Milliseconds spent per step (check, copy, sessions, rollups, companies, commit), summed over transactions. */
  timings: Record<string, number>;
}

export interface StoreOptions {
  /** The batch holds a re-delivered job: check which rows events already has before the COPY. */
  mayHoldStored?: boolean;
  /** Add the inserted rows to the rollups in the same transaction (ROLLUPS_WRITE, default true). */
  rollups?: boolean;
  /** Schema layout (DATABASE_PROFILE): picks the sessions conflict target. Default standard. */
  profile?: 'standard' | 'citus';
  /** Count inserted rows as 'stored' in ingestion_health (default true; imports of history do not). */
  health?: boolean;
}

/**
 * Stores a batch: one transaction (skip rows already stored, COPY the others into events, sessions
 * and companies upserts, COMMIT; see ./sql/batch.ts). When PostgreSQL refuses a row (SQLSTATE class 22 or 23) the batch is split
 * in halves, each stored in its own transaction, until the refused rows stand alone; those go to
 * dead_events with the error and the rest is committed. Any other error (PostgreSQL down, deadlock,
 * timeout) is thrown unchanged: the caller keeps the jobs and retries the whole batch, which is safe
 * because every statement is idempotent against rows already stored.
 */
export async function storeBatch(
  pool: pg.Pool,
  rows: readonly Row[],
  companies: readonly Company[],
  opts: StoreOptions = {},
): Promise<StoreResult> {
  const unique = prepareRows(rows);
  const deduped = dedupeCompanies(companies);
  const rollups = opts.rollups ?? true;
  const sessionSql = sql.sessionStatements(opts.profile ?? 'standard');
  const health = opts.health === false ? 'off' : opts.profile === 'citus' ? 'after' : 'in_tx';
  try {
    return await storeAll(pool, unique, deduped, {
      check: opts.mayHoldStored ?? false,
      rollups,
      sessionSql,
      health,
    });
  } catch (err) {
    // A row events already has, in a batch that did not expect one: redo it with the check.
    if (opts.mayHoldStored || !isEventsRace(err)) throw err;
    return storeAll(pool, unique, deduped, { check: true, rollups, sessionSql, health });
  }
}

/** How one transaction runs: with the stored-rows check, with the rollup step. */
interface TxMode {
  sessionSql: ReturnType<typeof sql.sessionStatements>;
  check: boolean;
  rollups: boolean;
  /**
   * ingestion_health 'stored': in the rows' transaction (a retried batch never counts twice); after the
   * commit on Citus, where the table is local to the coordinator; off for imports.
   */
  health: 'in_tx' | 'after' | 'off';
}

async function storeAll(
  pool: pg.Pool,
  unique: Row[],
  companies: Company[],
  mode: TxMode,
): Promise<StoreResult> {
  const result: StoreResult = {
    rows: 0,
    inserted: 0,
    skipped: 0,
    dead: [],
    sessionsUpserted: 0,
    sessionConflicts: 0,
    unknownSiteEvents: 0,
    companiesChanged: 0,
    transactions: 0,
    splits: 0,
    rollupRows: 0,
    timings: {},
  };
  result.rows = unique.length;
  await storePart({ pool, result, mode }, unique, companies);
  if (result.dead.length > 0) await recordDead(pool, unique, result.dead);
  return result;
}

/** One store call: its pool, how its transactions run, and the result every committed part adds to. */
interface StoreRun {
  pool: pg.Pool;
  result: StoreResult;
  mode: TxMode;
}

/** Stores rows in one transaction; a part PostgreSQL refuses is halved until the bad row is alone. */
async function storePart(run: StoreRun, rows: Row[], companies: Company[]): Promise<void> {
  const { result } = run;
  try {
    await writeTransaction(run, rows, companies);
    result.transactions++;
  } catch (err) {
    if (!isPoisonError(err)) throw err;
    // Only companies left and PostgreSQL refuses them: they are reference data the next job repeats.
    if (rows.length === 0) return;
    if (rows.length === 1) {
      const row = rows[0];
      if (row)
        result.dead.push({
          id: deadId(row),
          siteId: siteIdOf(row),
          error: pgErrorText(err),
          sqlstate: (err as { code: string }).code,
        });
      // Companies travel with the first part; store them on their own if that part was one bad row.
      if (companies.length > 0) await storePart(run, [], companies);
      return;
    }
    result.splits++;
    const mid = rows.length >> 1;
    await storePart(run, rows.slice(0, mid), companies);
    await storePart(run, rows.slice(mid), []);
  }
}

/** What one transaction added, folded into the StoreResult only once it has committed. */
interface TxCounts {
  fresh: Row[];
  sessions: { upserted: number; conflict_events: number; unknown_site_events: number };
  rollupRows: number;
  companiesChanged: number;
}

async function writeTransaction(run: StoreRun, rows: Row[], companies: Company[]): Promise<void> {
  const { pool, result, mode } = run;
  // Encoded before taking a connection: no connection waits idle in a transaction for the writer's CPU.
  const encoded = mode.check || rows.length === 0 ? undefined : encodeCopyChunks(rows);
  const client = await pool.connect();
  let broken: Error | undefined;
  const step = stepTimer(result.timings);
  try {
    await client.query('BEGIN');
    const fresh = mode.check && rows.length > 0 ? await unstored(client, rows, step) : rows;
    const counts: TxCounts = {
      fresh,
      sessions: { upserted: 0, conflict_events: 0, unknown_site_events: 0 },
      rollupRows: 0,
      companiesChanged: 0,
    };
    // The encoding of all rows is good only when none was skipped.
    if (fresh.length > 0)
      await insertRows(client, fresh, fresh === rows ? encoded : undefined, mode, counts, step);
    if (companies.length > 0) {
      counts.companiesChanged = await upsertCompanies(client, companies);
      step('companies');
    }
    await client.query('COMMIT');
    step('commit');
    // Counts only: a committed batch never fails for them.
    if (mode.health === 'after' && fresh.length > 0)
      await storedHealth(fresh)
        .flush(pool)
        .catch(() => undefined);
    addCommitted(result, rows.length, counts);
  } catch (err) {
    try {
      await client.query('ROLLBACK');
    } catch {
      broken = err as Error;
    }
    if (!isPoisonError(err)) broken = err as Error;
    throw err;
  } finally {
    // A client whose connection failed (or whose state is unknown) is destroyed, not reused.
    client.release(broken);
  }
}

/** Adds the time since the last step to `timings[name]`. */
function stepTimer(timings: Record<string, number>): (name: string) => void {
  let mark = performance.now();
  return (name) => {
    const now = performance.now();
    timings[name] = (timings[name] ?? 0) + (now - mark);
    mark = now;
  };
}

/** The rows events does not have yet (a re-delivered job's rows may all be stored). */
async function unstored(client: pg.PoolClient, rows: Row[], step: (name: string) => void): Promise<Row[]> {
  await client.query(sql.probeOnly);
  const { rows: stored } = await client.query<{ i: number }>(sql.storedAlready, [
    rows.map((r) => r.id),
    rows.map((r) => r.server_timestamp),
  ]);
  await client.query(sql.probeDone);
  const skip = new Set(stored.map((s) => s.i - 1));
  step('check');
  return skip.size > 0 ? rows.filter((_, i) => !skip.has(i)) : rows;
}

/** COPY of the fresh rows, then their sessions, rollups and (in the transaction) ingestion health. */
async function insertRows(
  client: pg.PoolClient,
  fresh: Row[],
  encoded: Buffer[] | undefined,
  { rollups, sessionSql, health }: TxMode,
  counts: TxCounts,
  step: (name: string) => void,
): Promise<void> {
  await pipeline(
    Readable.from(encoded ?? encodeCopyChunks(fresh)),
    client.query(copyStreams.from(sql.copyEvents)),
  );
  step('copy');
  const withSession = fresh.filter((r) => typeof r.session_id === 'string' && r.session_id !== '');
  if (withSession.length > 0) {
    const aggregated = aggregateSessions(withSession);
    counts.sessions = (
      aggregated
        ? await client.query(sessionSql.upsertSessions, aggregated)
        : await client.query(sessionSql.upsertSessionsFromRows, columnsOf(withSession, sql.SESSION_COLUMNS))
    ).rows[0];
  }
  step('sessions');
  counts.rollupRows = await rollupInserted(client, fresh, rollups);
  step('rollups');
  // ingestion_health 'stored': in the same transaction as the rows, so a retried batch never counts twice.
  if (health === 'in_tx') await storedHealth(fresh).flush(client);
  step('health');
  // Company activity for scores and alerts: in this transaction, so only committed rows count.
  await recordCompanyActivity(client, fresh);
  step('activity');
}

/** The columns of a company both upserts take, in their parameter order. */
const COMPANY_FACTS = ['domain', 'name', 'industry', 'employee_count', 'revenue'] as const;

/** Neutral facts into companies, an agency's own into agency_companies; answers rows changed. */
async function upsertCompanies(client: pg.PoolClient, companies: Company[]): Promise<number> {
  const neutral = companies.filter((c) => !c.agency_id);
  const owned = companies.filter((c) => c.agency_id);
  let changed = 0;
  if (neutral.length > 0)
    changed +=
      (
        await client.query(sql.upsertCompanies, [
          ...columnsOf(neutral, COMPANY_FACTS),
          neutral.map((c) => (c.enrichment_data ? safeJson(c.enrichment_data) : null)),
        ])
      ).rowCount ?? 0;
  if (owned.length > 0)
    changed +=
      (await client.query(sql.upsertAgencyCompanies, columnsOf(owned, ['agency_id', ...COMPANY_FACTS])))
        .rowCount ?? 0;
  return changed;
}

function addCommitted(result: StoreResult, offered: number, c: TxCounts): void {
  result.inserted += c.fresh.length;
  result.skipped += offered - c.fresh.length;
  result.sessionsUpserted += c.sessions.upserted;
  result.sessionConflicts += c.sessions.conflict_events;
  result.unknownSiteEvents += c.sessions.unknown_site_events;
  result.companiesChanged += c.companiesChanged;
  result.rollupRows += c.rollupRows;
}

/** Drops repeated events (same id and server_timestamp) inside the batch and sorts by id (lock order). */
function prepareRows(rows: readonly Row[]): Row[] {
  const seen = new Set<string>();
  const out: Row[] = [];
  for (const row of rows) {
    const key = `${String(row.id)}|${String(row.server_timestamp)}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(row);
  }
  const keyed = out.map((row) => ({ key: String(row.id).toLowerCase(), row }));
  keyed.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  return keyed.map((k) => k.row);
}

/**
 * One entry per owner and domain (later values win field by field), sorted by owner then domain (lock
 * order). Neutral entries (no agency_id) sort first.
 */
function dedupeCompanies(companies: readonly Company[]): Company[] {
  const byDomain = new Map<string, Company>();
  for (const c of companies) {
    const domain = clean(c.domain.toLowerCase())!;
    const owner = c.agency_id ? c.agency_id.toLowerCase() : undefined;
    const key = `${owner ?? ''} ${domain}`;
    const prev = byDomain.get(key);
    byDomain.set(key, {
      domain,
      ...(owner ? { agency_id: owner } : {}),
      name: clean(c.name) ?? prev?.name ?? null,
      industry: clean(c.industry) ?? prev?.industry ?? null,
      employee_count: clean(c.employee_count) ?? prev?.employee_count ?? null,
      revenue: clean(c.revenue) ?? prev?.revenue ?? null,
      enrichment_data:
        c.enrichment_data || prev?.enrichment_data
          ? { ...prev?.enrichment_data, ...c.enrichment_data }
          : undefined,
    });
  }
  return [...byDomain.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, c]) => c);
}

function clean(v: string | null): string | null {
  return v === null ? null : v.replace(UNSTORABLE, '\ufffd');
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The event's id, or (a row whose id is not a UUID) a stable UUID derived from its content. */
function deadId(row: Row): string {
  if (typeof row.id === 'string' && UUID.test(row.id)) return row.id.toLowerCase();
  const h = createHash('sha256').update(safeJson(row)).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-5${h.slice(13, 16)}-${((parseInt(h[16]!, 16) & 3) | 8).toString(16)}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

function siteIdOf(row: Row): string | null {
  return typeof row.site_id === 'string' ? row.site_id.slice(0, 50).replace(/\0/g, '') : null;
}

const UNSTORABLE = /\u0000|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

/** JSON that jsonb accepts: NUL and lone surrogates (refused by PostgreSQL) become U+FFFD. */
function safeJson(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) =>
    typeof v === 'string' ? v.replace(UNSTORABLE, '\ufffd') : v,
  );
}

/** The rows just inserted as ingestion_health counts (site, hour of receipt). */
function storedHealth(rows: readonly Row[]): HealthTally {
  const tally = new HealthTally();
  for (const r of rows) if (typeof r.site_id === 'string') tally.add(r.site_id, receiptHour(r.id), 'stored');
  return tally;
}

/** The batch's poison rows in dead_events, each counted once in its site's ingestion health. */
async function recordDead(pool: pg.Pool, rows: Row[], dead: DeadRow[]): Promise<void> {
  const byId = new Map<string, { row: Row; dead: DeadRow }>();
  const deadIds = new Set(dead.map((d) => d.id));
  for (const row of rows) {
    const id = deadId(row);
    if (deadIds.has(id) && !byId.has(id)) byId.set(id, { row, dead: dead.find((d) => d.id === id)! });
  }
  await recordDeadLetters(
    pool,
    'writer',
    [...byId.values()].map((e) => ({
      id: e.dead.id,
      siteId: e.dead.siteId,
      payload: safeJson(e.row),
      error: e.dead.error.replace(UNSTORABLE, '\ufffd'),
      sqlstate: e.dead.sqlstate,
    })),
  );
}

/**
 * The rows of an events job that failed for good (stalled past WRITER_MAX_STALLED_COUNT, or not an
 * events job: then `rows` is one object holding the job data) in dead_events with `error`, leaving
 * out rows already stored (a holder killed between COMMIT and completing the job). Out: rows recorded.
 */
export async function recordFailedRows(
  pool: pg.Pool,
  rows: readonly (Row | FailedJobPayload)[],
  error: string,
): Promise<number> {
  const byId = new Map<string, Row>();
  // A job that was not an events job has neither id nor site_id: read as a row, both are absent.
  for (const row of rows as readonly Row[]) {
    const id = deadId(row);
    if (!byId.has(id)) byId.set(id, row);
  }
  if (byId.size === 0) return 0;
  const stored = await pool.query<{ id: string }>(deadLetterSql.storedEventIds, [[...byId.keys()]]);
  for (const r of stored.rows) byId.delete(r.id);
  const entries = [...byId.entries()];
  if (entries.length === 0) return 0;
  await recordDeadLetters(
    pool,
    'writer',
    entries.map(([id, row]) => ({
      id,
      siteId: siteIdOf(row),
      payload: safeJson(row),
      error: error.replace(UNSTORABLE, '\ufffd').slice(0, 10_000),
    })),
  );
  return entries.length;
}
