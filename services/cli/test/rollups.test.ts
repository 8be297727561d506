import { fileURLToPath } from 'node:url';
import { runNode, useTestDatabase } from '@beacon/testkit';

/** `beacon rollups rebuild|verify|freeze`, run as the built bin against a throwaway migrated database. */
const BIN = fileURLToPath(new URL('../dist/main.js', import.meta.url));
const db = useTestDatabase();

const beacon = (args: string[]) => runNode(BIN, args, { env: { DATABASE_URL: db.url } });

/** The rollup tables analyzed by an ANALYZE statement (not by autovacuum) since the test began. */
async function analyzed(): Promise<string[]> {
  const { rows } = await db.pool.query<{ relname: string }>(
    `SELECT relname FROM pg_stat_user_tables
     WHERE relname IN ('rollup_sessions', 'rollup_names', 'rollup_name_dict', 'rollup_days')
       AND last_analyze IS NOT NULL ORDER BY relname`,
  );
  return rows.map((r) => r.relname);
}

beforeAll(async () => {
  // 3 sessions over two days; events written directly (no writer), so no rollups yet.
  await db.pool.query(`
    INSERT INTO events (id, site_id, event_name, server_timestamp, client_id, session_id, page_path, visitor_type)
    SELECT gen_random_uuid(), 'cli_site', CASE WHEN i % 3 = 0 THEN 'signup' ELSE 'page_view' END,
           timestamptz '2026-02-01 10:00Z' + i * interval '17 minutes', 'c' || (i % 2), 's' || (i % 3), '/p' || (i % 4), 'human'
    FROM generate_series(1, 200) i`);
});

describe('beacon rollups', () => {
  it('verify finds missing rollups, rebuild repairs them (and is idempotent), coverage follows', async () => {
    const before = await beacon(['--json', 'rollups', 'verify', '--site', 'cli_site']);
    expect(before.code).toBe(1);
    expect(JSON.parse(before.stdout)[0]).toMatchObject({ siteId: 'cli_site', extra: 0 });
    expect(JSON.parse(before.stdout)[0].missing).toBeGreaterThan(0);

    const part = await beacon([
      'rollups',
      'rebuild',
      '--site',
      'cli_site',
      '--from',
      '2026-02-02',
      '--to',
      '2026-02-02',
    ]);
    expect(part.code).toBe(0);
    expect(part.stdout).toMatch(
      /cli_site: 1 chunk\(s\) 2026-02-02T00:00:00.000Z \.\. 2026-02-03T00:00:00.000Z/,
    );
    expect((await db.pool.query(`SELECT 1 FROM rollup_coverage WHERE site_id = 'cli_site'`)).rowCount).toBe(
      0,
    );

    for (let i = 0; i < 2; i++) {
      const full = await beacon(['rollups', 'rebuild', '--site', 'cli_site']);
      expect(full.code).toBe(0);
      const ok = await beacon(['rollups', 'verify', '--site', 'cli_site']);
      expect(ok).toMatchObject({ code: 0, stdout: 'cli_site: 0 missing, 0 extra\n' });
    }
    const { rows } = await db.pool.query(
      `SELECT (SELECT sum(events)::int FROM rollup_sessions WHERE site_id = 'cli_site') AS events,
              (SELECT since = '-infinity' FROM rollup_coverage WHERE site_id = 'cli_site') AS covered`,
    );
    expect(rows[0]).toEqual({ events: 200, covered: true });
    // The rebuild leaves planner statistics of what it wrote (an ANALYZE of its own: last_analyze,
    // not autovacuum's last_autoanalyze): a never-analyzed names dictionary made a 30 s plan.
    expect(await analyzed()).toEqual(['rollup_days', 'rollup_name_dict', 'rollup_names', 'rollup_sessions']);
  }, 120_000); // six CLI processes: a busy machine takes longer than jest's 30 s to start them

  it('freeze writes the complete local days into rollup_days (after the rebuild above)', async () => {
    const lastAnalyze = `SELECT last_analyze FROM pg_stat_user_tables WHERE relname = 'rollup_days'`;
    const before = (await db.pool.query(lastAnalyze)).rows[0].last_analyze as Date;
    const r = await beacon(['rollups', 'freeze', '--site', 'cli_site', '--to', '2026-02-03']);
    expect(r).toMatchObject({ code: 0 });
    expect(r.stdout).toMatch(/^cli_site: 2026-02-01 \.\. 2026-02-04 \(UTC, excluded end\), \d+ row\(s\)\n$/);
    const { rows } = await db.pool.query(
      `SELECT sum(events)::int AS events FROM rollup_days WHERE site_id = 'cli_site' AND dim = 'total'`,
    );
    expect(rows[0].events).toBe(200);
    // ... and analyzes what it wrote.
    expect((await db.pool.query(lastAnalyze)).rows[0].last_analyze.getTime()).toBeGreaterThan(
      before.getTime(),
    );
    const bad = await beacon(['rollups', 'freeze', '--site', 'cli_site', '--from', 'last week']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/YYYY-MM-DD/);
  }, 60_000);

  it('refuses bad input with one line: exit code 2 for usage, 1 for a failure', async () => {
    const none = await beacon(['rollups', 'rebuild']);
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(/--site/);
    const unknown = await beacon(['rollups', 'rebuild', '--site', 'nope']);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/no site or events/);
    const bad = await beacon(['rollups', 'rebuild', '--site', 'cli_site', '--from', 'yesterday']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).not.toMatch(/at .*\.js/);
  });
});
