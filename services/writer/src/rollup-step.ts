import type pg from 'pg';
import { applyWriterRollups, forgetRollupCoverage } from '@beacon/db';
import * as sql from './sql/batch.js';
import type { Row } from './store.js';

/**
 * The rollup step of a batch transaction (docs/rollups.md): the rows the COPY of this transaction
 * inserted go into the connection's temp table beacon_writer_inserted, and the shared rollup SQL of
 * packages/db merges them into the hourly rollups. Only inserted rows are added, inside the inserting
 * transaction, so a re-delivered job can never count twice. With rollups switched off the sites lose
 * their rollup coverage instead (the API then answers them from events).
 */
const ready = new WeakSet<pg.ClientBase>();

export async function rollupInserted(
  client: pg.ClientBase,
  inserted: readonly Row[],
  on: boolean,
): Promise<number> {
  if (inserted.length === 0) return 0;
  if (!on) {
    await forgetRollupCoverage(client, [...new Set(inserted.map((r) => String(r.site_id)))]);
    return 0;
  }
  if (!ready.has(client)) {
    await client.query(sql.createInserted);
    ready.add(client);
  }
  await client.query(
    sql.fillInserted,
    sql.INSERTED_COLUMNS.map((c) => inserted.map((r) => (r[c] === undefined ? null : r[c]))),
  );
  const r = await applyWriterRollups(client);
  return r.sessions + r.names;
}
