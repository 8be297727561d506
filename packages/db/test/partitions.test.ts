import { ensurePartitions, listPartitions } from '@beacon/db';
import { useTestDatabase } from '@beacon/testkit';

const db = useTestDatabase();
beforeAll(async () => {
  await db.pool.query("INSERT INTO agencies (name, api_key) VALUES ('a', 'x')");
});

async function insertEvent(id: string, at: string): Promise<void> {
  await db.pool.query(
    "INSERT INTO events (id, site_id, event_name, server_timestamp) VALUES ($1, 'site1', 'page_view', $2)",
    [id, at],
  );
}

async function partitionOf(id: string): Promise<string> {
  const { rows } = await db.pool.query<{ p: string }>(
    'SELECT tableoid::regclass::text AS p FROM events WHERE id = $1',
    [id],
  );
  return rows[0]!.p;
}

describe('monthly partitions of events', () => {
  it('creates the months ahead across a year edge with UTC month bounds', async () => {
    const created = await ensurePartitions(db.pool, {
      monthsAhead: 2,
      now: new Date('2027-12-15T10:00:00Z'),
    });
    expect(created).toEqual(['events_2027_12', 'events_2028_01', 'events_2028_02']);
    const all = await listPartitions(db.pool);
    const dec = all.find((p) => p.name === 'events_2027_12')!;
    expect(dec.rangeStart.toISOString()).toBe('2027-12-01T00:00:00.000Z');
    expect(dec.rangeEnd.toISOString()).toBe('2028-01-01T00:00:00.000Z');
    // Again: nothing to do.
    expect(
      await ensurePartitions(db.pool, { monthsAhead: 2, now: new Date('2027-12-31T23:59:59Z') }),
    ).toEqual([]);
  });

  it('routes rows by the instant in UTC at the month edge', async () => {
    await insertEvent('00000000-0000-7000-8000-000000000001', '2027-12-31T23:59:59.999Z');
    await insertEvent('00000000-0000-7000-8000-000000000002', '2028-01-01T00:00:00Z');
    // 2028-01-01 00:30 in Paris is still December in UTC.
    await insertEvent('00000000-0000-7000-8000-000000000003', '2028-01-01T00:30:00+01:00');
    expect(await partitionOf('00000000-0000-7000-8000-000000000001')).toBe('events_2027_12');
    expect(await partitionOf('00000000-0000-7000-8000-000000000002')).toBe('events_2028_01');
    expect(await partitionOf('00000000-0000-7000-8000-000000000003')).toBe('events_2027_12');
  });

  it('keeps rows of a month without a partition and moves them when it is created', async () => {
    await insertEvent('00000000-0000-7000-8000-000000000010', '2030-05-31T23:59:59Z');
    await insertEvent('00000000-0000-7000-8000-000000000011', '2030-06-01T00:00:00Z');
    expect(await partitionOf('00000000-0000-7000-8000-000000000010')).toBe('events_default');
    expect(await partitionOf('00000000-0000-7000-8000-000000000011')).toBe('events_default');

    expect(
      await ensurePartitions(db.pool, { monthsAhead: 0, now: new Date('2030-05-02T00:00:00Z') }),
    ).toEqual(['events_2030_05']);
    expect(await partitionOf('00000000-0000-7000-8000-000000000010')).toBe('events_2030_05');
    expect(await partitionOf('00000000-0000-7000-8000-000000000011')).toBe('events_default');
    const { rows } = await db.pool.query<{ n: number }>(
      "SELECT count(*)::int AS n FROM events WHERE id::text LIKE '00000000-0000-7000-8000-00000000001%'",
    );
    expect(rows[0]!.n).toBe(2);
    // The moved partition has the parent's indexes.
    const { rows: idx } = await db.pool.query<{ n: number }>(
      "SELECT count(*)::int AS n FROM pg_indexes WHERE tablename = 'events_2030_05'",
    );
    expect(idx[0]!.n).toBeGreaterThanOrEqual(10);
  });

  it('lets two creators race for the same month without error', async () => {
    const now = new Date('2031-03-03T00:00:00Z');
    const results = await Promise.all([
      ensurePartitions(db.pool, { monthsAhead: 1, now }),
      ensurePartitions(db.pool, { monthsAhead: 1, now }),
    ]);
    expect(results.flat().sort()).toEqual(['events_2031_03', 'events_2031_04']);
  });
});
