import type pg from 'pg';
import * as sql from '../sql/privacy.js';
import { subjectParams, type Subject } from './subject.js';

/** The tables an export covers, in the order they are written. */
export const EXPORT_TABLES = ['events', 'sessions', 'dead_events'] as const;
export type ExportTable = (typeof EXPORT_TABLES)[number];

export interface SubjectRecord {
  table: ExportTable;
  row: Record<string, unknown>;
}

export interface SubjectSummary {
  events: number;
  first_event_at: Date | null;
  last_event_at: Date | null;
  /** Distinct session_id / client_id values among the events. */
  event_sessions: number;
  event_clients: number;
  sessions: number;
  dead_events: number;
}

const HOUR = 3_600_000;

/** What the agency holds about the person, counted (one scan of the agency's events). */
export async function findSubject(
  pool: pg.Pool,
  agencyId: string,
  subject: Subject,
): Promise<SubjectSummary> {
  const sites = await agencySites(pool, agencyId);
  const p = [sites, ...subjectParams(subject)];
  const [ev, se, de] = await Promise.all([
    pool.query(sql.countEvents, p),
    pool.query(sql.countSessions, p),
    pool.query(sql.countDeadEvents, p),
  ]);
  const e = ev.rows[0]!;
  return {
    events: Number(e.events),
    first_event_at: e.first,
    last_event_at: e.last,
    event_sessions: Number(e.sessions),
    event_clients: Number(e.clients),
    sessions: Number(se.rows[0]!.n),
    dead_events: Number(de.rows[0]!.n),
  };
}

/**
 * Every stored row about the person: their events (every column, walked by time slice so memory
 * stays bounded by one slice of one person), then their session rows (of the given client_id or of a
 * session their events belong to), then their dead letters. Rollups are not exported: they hold no
 * identifier, only keys that `erase` re-keys (docs/privacy-rights.md).
 */
export async function* subjectRecords(
  pool: pg.Pool,
  agencyId: string,
  subject: Subject,
  opts: { sliceHours: number },
): AsyncGenerator<SubjectRecord> {
  const sites = await agencySites(pool, agencyId);
  const params = subjectParams(subject);
  const sessionIds = new Set<string>();
  const first = (await pool.query<{ first: Date | null }>(sql.firstEventOf, [sites])).rows[0]?.first;
  if (first) {
    const sliceMs = opts.sliceHours * HOUR;
    for (let from = first; ;) {
      const last = from.getTime() + sliceMs > Date.now();
      const to = last ? 'infinity' : new Date(from.getTime() + sliceMs);
      const { rows } = await pool.query<Record<string, unknown>>(sql.eventsInSlice, [
        sites,
        from,
        to,
        ...params,
      ]);
      for (const row of rows) {
        if (typeof row.session_id === 'string') sessionIds.add(row.session_id);
        yield { table: 'events', row };
      }
      if (last) break;
      from = to as Date;
    }
  }
  const sessions = await pool.query(sql.sessionsOf, [sites, subject.client_id ?? null, [...sessionIds]]);
  for (const row of sessions.rows) yield { table: 'sessions', row };
  const dead = await pool.query(sql.deadEventsOf, [sites, ...params]);
  for (const row of dead.rows) yield { table: 'dead_events', row };
}

async function agencySites(pool: pg.Pool, agencyId: string): Promise<string[]> {
  return (await pool.query<{ ids: string[] }>(sql.agencyScriptIds, [agencyId])).rows[0]!.ids;
}

/** The columns of an exported table, in table order (the CSV header, also when nothing matches). */
export async function exportColumns(pool: pg.Pool, table: ExportTable): Promise<string[]> {
  const statement = {
    events: sql.eventColumns,
    sessions: sql.sessionColumns,
    dead_events: sql.deadEventColumns,
  }[table];
  return (await pool.query(statement)).fields.map((f) => f.name);
}
