import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type pg from 'pg';
import copyStreams from 'pg-copy-streams';
import { applyWriterRollups, forgetRollupCoverage } from '@beacon/db';
import { escapeCopyText } from './copy-text.js';
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
  // COPY, not an INSERT of array parameters: measured in `pnpm bench writer`, binding 23 arrays per batch
  // cost the writer more than the rollup statements themselves.
  await pipeline(Readable.from([encodeInserted(inserted)]), client.query(copyStreams.from(sql.copyInserted)));
  const r = await applyWriterRollups(client);
  return r.sessions + r.names;
}

/** The rows in COPY text format, INSERTED_COLUMNS only (values as the EnrichedJob carries them). */
function encodeInserted(rows: readonly Row[]): Buffer {
  let text = '';
  for (const r of rows) {
    let line = '';
    for (let i = 0; i < sql.INSERTED_COLUMNS.length; i++) {
      const v = r[sql.INSERTED_COLUMNS[i]!];
      line += (i === 0 ? '' : '\t') + (v === null || v === undefined ? '\\N' : escapeCopyText(String(v)));
    }
    text += `${line}\n`;
  }
  return Buffer.from(text);
}
