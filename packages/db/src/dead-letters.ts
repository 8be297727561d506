import { receiptHour } from './ingest-health.js';
import type { Pool, PoolClient } from './pool.js';
import { recordDeadEvents } from './sql/dead-letters.js';

/** A hit or row that could not be stored, as dead_events keeps it. */
export interface DeadLetter {
  /** The hit's id (UUIDv7 of its receipt), or a stable id derived from what was dead-lettered. */
  id: string;
  siteId: string | null;
  /** The payload as JSON text. */
  payload: string;
  error: string;
  sqlstate?: string | null;
}

/**
 * Records dead letters of a stage (one dead_events row per id, the last of an id in `list` wins) and
 * counts each id the first time it is dead-lettered, in its site's ingestion_health hour of receipt,
 * in the same statement (recordDeadEvents): once per hit, whatever retries follow.
 */
export async function recordDeadLetters(
  db: Pool | PoolClient,
  stage: 'enricher' | 'writer',
  list: readonly DeadLetter[],
): Promise<void> {
  const entries = [...new Map(list.map((d) => [d.id, d])).values()];
  if (entries.length === 0) return;
  await db.query(recordDeadEvents, [
    entries.map((d) => d.id),
    entries.map((d) => d.siteId),
    stage,
    entries.map((d) => d.payload),
    entries.map((d) => d.error),
    entries.map((d) => d.sqlstate ?? null),
    entries.map((d) => new Date(receiptHour(d.id)).toISOString()),
  ]);
}
