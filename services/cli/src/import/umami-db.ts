import pg from 'pg';
import { UserError } from '../context.js';
import * as sql from '../sql/umami.js';
import { Importer, type HistoryImport, type ImportProgress } from './run.js';
import { mapUmamiRecord } from './umami.js';

/**
 * `beacon import umami <postgres URL>`: reads Umami's website_event rows joined with their session
 * straight from Umami's PostgreSQL, a page at a time in keyset order (created_at, event_id; Umami's
 * (website_id, created_at) index serves it), and maps each row with the CSV importer's mapping: the
 * same event gives the same Beacon row whichever way it came, so CSV and database imports of one
 * history do not double.
 */

export interface UmamiDbOptions {
  /** Umami's website id; may be left out when the database has events of one website only. */
  website?: string;
  batchRows?: number;
  pageRows?: number;
  progress?: (p: ImportProgress) => void;
}

const NIL_UUID = '00000000-0000-0000-0000-000000000000';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

async function connect(url: string): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: url, application_name: 'beacon-import-umami' });
  try {
    await client.connect();
  } catch (err) {
    throw new UserError(`cannot read the Umami database: ${(err as Error).message}`);
  }
  return client;
}

/** The select lists of this Umami version: every website_event column, the session columns it has. */
async function shape(client: pg.Client): Promise<{ events: string[]; session: Record<string, string> }> {
  const { rows } = await client.query<{ table_name: string; column_name: string }>(sql.columns);
  const events = rows.filter((r) => r.table_name === 'website_event').map((r) => r.column_name);
  const have = new Set(rows.filter((r) => r.table_name === 'session').map((r) => r.column_name));
  if (!events.includes('event_id') || !events.includes('created_at') || !have.has('session_id'))
    throw new UserError(
      'no Umami website_event and session tables here (Umami v2 schema expected; check the URL and its search_path)',
    );
  const session: Record<string, string> = {};
  for (const [as, names] of Object.entries(sql.SESSION_COLUMNS)) {
    const c = names.find((n) => have.has(n));
    if (c && !events.includes(as)) session[as] = c;
  }
  return { events, session };
}

async function pickWebsite(client: pg.Client, asked?: string): Promise<string> {
  if (asked) {
    if (!UUID.test(asked))
      throw new UserError(`--website must be an Umami website id (a UUID), not ${asked}`);
    return asked;
  }
  const { rows } = await client.query<{ website_id: string; events: number }>(sql.websites);
  if (rows.length === 1) return rows[0]!.website_id;
  if (rows.length === 0) throw new UserError('the Umami database has no events');
  throw new UserError(
    `the Umami database has events of several websites; pass --website with one of: ${rows
      .map((r) => `${r.website_id} (${r.events} events)`)
      .join(', ')}`,
  );
}

export const importUmamiDb: HistoryImport<UmamiDbOptions> = async (pool, url, site, opts = {}) => {
  const umami = await connect(url);
  try {
    const { events, session } = await shape(umami);
    const website = await pickWebsite(umami, opts.website);
    const { rows: count } = await umami.query<{ n: string }>(sql.countEvents, [website]);
    const total = Number(count[0]?.n ?? 0);
    const imp = new Importer(pool, opts.batchRows ?? 5_000, opts.progress);
    imp.fraction = () => (total === 0 ? 1 : imp.s.lines / total);
    imp.s.files = 1;
    const page = sql.eventsPage(events, session);
    let at = '-infinity';
    let id = NIL_UUID;
    for (;;) {
      const { rows } = await umami.query<Record<string, string>>(page, [
        website,
        at,
        id,
        opts.pageRows ?? 10_000,
      ]);
      for (const row of rows) {
        const { beacon_cursor_at: rowAt, beacon_cursor_id: rowId, ...rec } = row;
        at = rowAt!;
        id = rowId!;
        await imp.add(mapUmamiRecord(rec, site.scriptId, site.domain));
      }
      if (rows.length < (opts.pageRows ?? 10_000)) break;
    }
    return await imp.finish();
  } finally {
    await umami.end().catch(() => undefined);
  }
};
