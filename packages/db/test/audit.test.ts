import { recordAudit, runRetention } from '@beacon/db';
import { useTestDatabase } from '@beacon/testkit';

// The audit log is kept AUDIT_LOG_RETENTION_DAYS: the retention job purges older entries (and finished
// erasure requests), in bounded batches; a dry run only counts. Real PostgreSQL.
const NOW = new Date('2026-11-15T12:00:00Z');
const AGENCY = '00000000-0000-0000-0000-0000000000aa';
const db = useTestDatabase();

beforeAll(async () => {
  await db.pool.query(`INSERT INTO agencies (id, name, api_key) VALUES ('${AGENCY}', 'audited', 'x')`);
  for (let i = 0; i < 5; i++)
    await recordAudit(db.pool, {
      agencyId: AGENCY,
      actor: { type: 'cli', label: 'cli:test' },
      action: 'site.create',
      target: { type: 'site', id: `s${i}` },
    });
  // Three entries 40 days old, two fresh; one finished erasure request 40 days old, one open.
  await db.pool.query(
    `UPDATE audit_log SET at = $1::timestamptz - interval '40 days' WHERE target_id IN ('s0', 's1', 's2')`,
    [NOW],
  );
  await db.pool.query(
    `UPDATE audit_log SET at = $1::timestamptz - interval '1 day' WHERE target_id IN ('s3', 's4')`,
    [NOW],
  );
  await db.pool.query(
    `INSERT INTO privacy_erasures (agency_id, state, subject_kinds, finished_at) VALUES
       ($1, 'done', '{client_id}', $2::timestamptz - interval '40 days'), ($1, 'running', '{ip}', NULL)`,
    [AGENCY, NOW],
  );
});

it('purges audit entries and finished erasure requests past the configured days, keeps the rest', async () => {
  const dry = await runRetention(db.pool, {
    defaultMonths: 13,
    batchSize: 2,
    auditLogDays: 30,
    dryRun: true,
    now: NOW,
  });
  expect(dry.deletedAuditEntries).toBe(3);
  expect((await db.pool.query('SELECT count(*)::int AS n FROM audit_log')).rows[0].n).toBe(5);

  const report = await runRetention(db.pool, { defaultMonths: 13, batchSize: 2, auditLogDays: 30, now: NOW });
  expect(report.deletedAuditEntries).toBe(3);
  const { rows } = await db.pool.query('SELECT target_id FROM audit_log ORDER BY target_id');
  expect(rows.map((r) => r.target_id)).toEqual(['s3', 's4']);
  const { rows: requests } = await db.pool.query('SELECT state FROM privacy_erasures');
  expect(requests).toEqual([{ state: 'running' }]);

  // Without the setting (older callers), nothing is purged.
  expect(
    (await runRetention(db.pool, { defaultMonths: 13, batchSize: 2, now: NOW })).deletedAuditEntries,
  ).toBe(0);
});

it('names the CLI operator as the actor and refuses an unknown actor type', async () => {
  const { rows } = await db.pool.query(`SELECT actor_type, actor_email, actor_id, ip FROM audit_log LIMIT 1`);
  expect(rows[0]).toEqual({ actor_type: 'cli', actor_email: 'cli:test', actor_id: null, ip: null });
  await expect(
    db.pool.query(`INSERT INTO audit_log (agency_id, actor_type, action) VALUES ($1, 'robot', 'x')`, [
      AGENCY,
    ]),
  ).rejects.toMatchObject({ code: '23514' });
});
