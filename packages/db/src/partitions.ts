import type pg from 'pg';

export interface PartitionInfo {
  name: string;
  rangeStart: Date;
  rangeEnd: Date;
}

/**
 * Ensures the monthly partitions of events from the month of `now` through `monthsAhead` months
 * ahead (creation is idempotent and serialised in SQL). Returns the names it created.
 */
export async function ensurePartitions(
  db: pg.Pool | pg.ClientBase,
  opts: { monthsAhead: number; now?: Date },
): Promise<string[]> {
  const { rows } = await db.query<{ name: string }>(
    'SELECT beacon_ensure_event_partitions($1::timestamptz, $2::int) AS name',
    [opts.now ?? new Date(), opts.monthsAhead],
  );
  return rows.map((r) => r.name);
}

/** The monthly partitions of events, oldest first. */
export async function listPartitions(db: pg.Pool | pg.ClientBase): Promise<PartitionInfo[]> {
  const { rows } = await db.query<{ name: string; range_start: Date; range_end: Date }>(
    'SELECT name, range_start, range_end FROM beacon_event_partitions ORDER BY range_start',
  );
  return rows.map((r) => ({ name: r.name, rangeStart: r.range_start, rangeEnd: r.range_end }));
}
