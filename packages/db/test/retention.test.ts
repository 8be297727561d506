import { ensurePartitions, listPartitions, monthsBefore, runRetention } from '@beacon/db';
import { useTestDatabase } from '@beacon/testkit';

const NOW = new Date('2026-11-15T12:00:00Z');
const db = useTestDatabase();

/** Agency long keeps the default 13 months, agency short keeps 3. */
async function seed(): Promise<void> {
  await db.pool.query('TRUNCATE events, sessions, sites, agencies CASCADE');
  await db.pool.query(`
    INSERT INTO agencies (id, name, api_key, config) VALUES
      ('00000000-0000-0000-0000-00000000000a', 'long', 'x', '{}'),
      ('00000000-0000-0000-0000-00000000000b', 'short', 'x', '{"retention_months": 3}');
    INSERT INTO sites (agency_id, name, domain, script_id) VALUES
      ('00000000-0000-0000-0000-00000000000a', 'A', 'a.example', 'site_a'),
      ('00000000-0000-0000-0000-00000000000b', 'B', 'b.example', 'site_b')`);
  const times = [
    '2025-07-10T00:00:00Z', // 16 months old: its partition is dropped
    '2025-09-30T23:59:59Z', // last second of a dropped partition
    '2025-10-01T00:00:00Z', // partition kept: it reaches past the 13-month cutoff (2025-10-15)
    '2026-08-15T11:59:59Z', // just past 3 months
    '2026-08-15T12:00:01Z', // just within 3 months
    '2026-11-01T00:00:00Z',
  ];
  await eventsWithSessions(['site_a', 'site_b'], times, 0);
}

/** One page view and its one-event session per site and time; event ids numbered from `n` + 1. */
async function eventsWithSessions(sites: string[], times: string[], n: number): Promise<void> {
  for (const site of sites)
    for (const t of times) {
      n++;
      await db.pool.query(
        "INSERT INTO events (id, site_id, event_name, server_timestamp, session_id) VALUES ($1, $2, 'page_view', $3, $4)",
        [`00000000-0000-7000-8000-${String(n).padStart(12, '0')}`, site, t, `${site}-${t}`],
      );
      await db.pool.query(
        'INSERT INTO sessions (session_id, site_id, started_at, ended_at) VALUES ($1, $2, $3, $3)',
        [`${site}-${t}`, site, t],
      );
    }
}

async function remaining(table: 'events' | 'sessions', site: string): Promise<string[]> {
  const col = table === 'events' ? 'server_timestamp' : 'started_at';
  const { rows } = await db.pool.query<{ t: Date }>(
    `SELECT ${col} AS t FROM ${table} WHERE site_id = $1 ORDER BY 1`,
    [site],
  );
  return rows.map((r) => r.t.toISOString());
}

beforeAll(async () => {
  await ensurePartitions(db.pool, { monthsAhead: 17, now: new Date('2025-06-01T00:00:00Z') });
});

describe('retention', () => {
  it('subtracts calendar months like PostgreSQL, clamping to the month end', () => {
    expect(monthsBefore(new Date('2026-03-31T10:00:00Z'), 1).toISOString()).toBe('2026-02-28T10:00:00.000Z');
    expect(monthsBefore(new Date('2026-01-15T00:00:00Z'), 13).toISOString()).toBe('2024-12-15T00:00:00.000Z');
    expect(monthsBefore(new Date('2024-03-30T00:00:00Z'), 1).toISOString()).toBe('2024-02-29T00:00:00.000Z');
  });

  it('reports without changing anything on a dry run', async () => {
    await seed();
    const report = await runRetention(db.pool, { defaultMonths: 13, batchSize: 2, dryRun: true, now: NOW });
    expect(report.longestMonths).toBe(13);
    expect(report.droppedPartitions.map((p) => p.name)).toEqual([
      'events_2025_06',
      'events_2025_07',
      'events_2025_08',
      'events_2025_09',
    ]);
    expect(report.droppedPartitions.find((p) => p.name === 'events_2025_07')!.rows).toBe(2);
    expect(report.droppedPartitions.find((p) => p.name === 'events_2025_09')!.rows).toBe(2);
    expect(await remaining('events', 'site_a')).toHaveLength(6);
    expect(await remaining('sessions', 'site_b')).toHaveLength(6);
    expect((await listPartitions(db.pool)).some((p) => p.name === 'events_2025_06')).toBe(true);
  });

  it('drops whole partitions past the longest retention and deletes shorter retentions in batches', async () => {
    await seed();
    const report = await runRetention(db.pool, { defaultMonths: 13, batchSize: 2, now: NOW });
    expect((await listPartitions(db.pool)).map((p) => p.name)).not.toContain('events_2025_09');
    expect((await listPartitions(db.pool)).map((p) => p.name)).toContain('events_2025_10');
    // Agency long: only the dropped months are gone (month granularity for the longest retention).
    expect(await remaining('events', 'site_a')).toEqual([
      '2025-10-01T00:00:00.000Z',
      '2026-08-15T11:59:59.000Z',
      '2026-08-15T12:00:01.000Z',
      '2026-11-01T00:00:00.000Z',
    ]);
    // Agency short: rows older than 3 months deleted to the second.
    expect(await remaining('events', 'site_b')).toEqual([
      '2026-08-15T12:00:01.000Z',
      '2026-11-01T00:00:00.000Z',
    ]);
    // Sessions follow each agency's months exactly (not partitioned).
    expect(await remaining('sessions', 'site_a')).toEqual([
      '2026-08-15T11:59:59.000Z',
      '2026-08-15T12:00:01.000Z',
      '2026-11-01T00:00:00.000Z',
    ]);
    expect(await remaining('sessions', 'site_b')).toEqual([
      '2026-08-15T12:00:01.000Z',
      '2026-11-01T00:00:00.000Z',
    ]);
    expect(report.deletedEvents).toBe(2);
    expect(report.agencies.find((a) => a.months === 3)).toMatchObject({ events: 2, sessions: 4 });

    // A second run has nothing left to do.
    const again = await runRetention(db.pool, { defaultMonths: 13, batchSize: 2, now: NOW });
    expect(again.droppedPartitions).toEqual([]);
    expect(again.deletedEvents + again.deletedSessions).toBe(0);
  });

  it('keeps partitions while any agency keeps longer, and ignores malformed config values', async () => {
    await ensurePartitions(db.pool, { monthsAhead: 17, now: new Date('2025-06-01T00:00:00Z') });
    await seed();
    await db.pool.query(`
      INSERT INTO agencies (name, api_key, config) VALUES ('forever', 'x', '{"retention_months": 24}'),
                                                      ('odd', 'x', '{"retention_months": "soon"}')`);
    const report = await runRetention(db.pool, { defaultMonths: 13, batchSize: 1000, now: NOW });
    expect(report.longestMonths).toBe(24);
    expect(report.droppedPartitions).toEqual([]);
    expect(report.agencies.find((a) => a.agencyId === '00000000-0000-0000-0000-00000000000a')!.months).toBe(
      13,
    );
    // Agency long (13 < 24) now loses its rows older than 13 months row by row.
    expect(await remaining('events', 'site_a')).toEqual([
      '2026-08-15T11:59:59.000Z',
      '2026-08-15T12:00:01.000Z',
      '2026-11-01T00:00:00.000Z',
    ]);
  });

  it("applies a site's own shorter retention_months in the same run; a longer one is capped by its agency", async () => {
    await ensurePartitions(db.pool, { monthsAhead: 17, now: new Date('2025-06-01T00:00:00Z') });
    await seed();
    // Agency long (13 months) gets a second site that keeps 3 months and a third that asks for 24;
    // agency short (3 months) gets a site asking for 12 (capped to its agency's 3) and one with junk.
    await db.pool.query(`
      INSERT INTO sites (agency_id, name, domain, script_id, config) VALUES
        ('00000000-0000-0000-0000-00000000000a', 'A3', 'a3.example', 'site_a3', '{"retention_months": 3}'),
        ('00000000-0000-0000-0000-00000000000a', 'A24', 'a24.example', 'site_a24', '{"retention_months": 24}'),
        ('00000000-0000-0000-0000-00000000000b', 'B12', 'b12.example', 'site_b12', '{"retention_months": 12}'),
        ('00000000-0000-0000-0000-00000000000b', 'Bx', 'bx.example', 'site_bx', '{"retention_months": "x"}')`);
    const times = ['2026-01-10T00:00:00Z', '2026-08-15T11:59:59Z', '2026-08-15T12:00:01Z'];
    await eventsWithSessions(['site_a3', 'site_a24', 'site_b12', 'site_bx'], times, 100);
    const report = await runRetention(db.pool, { defaultMonths: 13, batchSize: 2, now: NOW });
    expect(report.longestMonths).toBe(13);
    const within3 = ['2026-08-15T12:00:01.000Z'];
    const all = ['2026-01-10T00:00:00.000Z', '2026-08-15T11:59:59.000Z', '2026-08-15T12:00:01.000Z'];
    for (const site of ['site_a3', 'site_b12', 'site_bx']) {
      expect({ site, events: await remaining('events', site) }).toEqual({ site, events: within3 });
      expect({ site, sessions: await remaining('sessions', site) }).toEqual({ site, sessions: within3 });
    }
    // Capped at the agency's 13 months: nothing of these rows is that old.
    expect(await remaining('events', 'site_a24')).toEqual(all);
    // The agency's other site keeps the agency's 13 months.
    expect(await remaining('events', 'site_a')).toContain('2026-08-15T11:59:59.000Z');
    expect(
      report.agencies
        .filter((a) => a.agencyId === '00000000-0000-0000-0000-00000000000a')
        .map((a) => [a.months, a.scriptIds, a.events]),
    ).toEqual([
      [3, ['site_a3'], 2],
      [13, ['site_a', 'site_a24'], 0],
    ]);
  });
});
