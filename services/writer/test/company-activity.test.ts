import { useTestDatabase } from '@beacon/testkit';
import { storeBatch, type Row } from '../src/index.js';
import { makeRow, seedSites } from './helpers.js';

// The company activity outbox (migration 0150) is written in the batch transaction from the rows COPY
// inserted: a retried batch adds nothing, bots and rows without a company are left out, a refused row
// adds nothing. Real PostgreSQL.

const db = useTestDatabase();
beforeAll(async () => {
  await seedSites(db.pool, ['site_a', 'site_b']);
});

const outbox = async () =>
  (
    await db.pool.query(
      `SELECT site_id, domain, events, page_paths, first_at, last_at FROM company_activity_outbox ORDER BY site_id, domain, id`,
    )
  ).rows;

test('one row per site and company of the inserted rows; a retried batch adds none', async () => {
  const t0 = new Date(Date.now() - 60_000).toISOString();
  const t1 = new Date(Date.now() - 30_000).toISOString();
  const rows = [
    makeRow({ company_domain: 'acme.example', page_path: '/', server_timestamp: t0 }),
    makeRow({ company_domain: 'acme.example', page_path: '/pricing', server_timestamp: t1 }),
    makeRow({ company_domain: 'acme.example', event_name: 'click', page_path: '/x', server_timestamp: t1 }),
    makeRow({ company_domain: 'acme.example', site_id: 'site_b', page_path: '/b' }),
    makeRow({ company_domain: 'bot.example', visitor_type: 'bot', page_path: '/' }),
    makeRow({ page_path: '/nocompany' }),
  ] as unknown as Row[];
  expect((await storeBatch(db.pool, rows, [])).inserted).toBe(6);
  const got = await outbox();
  expect(got.map((r) => [r.site_id, r.domain, r.events, [...r.page_paths].sort()])).toEqual([
    ['site_a', 'acme.example', 3, ['/', '/pricing']],
    ['site_b', 'acme.example', 1, ['/b']],
  ]);
  expect(got[0].first_at.toISOString()).toBe(t0);
  expect(got[0].last_at.toISOString()).toBe(t1);
  expect((await storeBatch(db.pool, rows, [], { mayHoldStored: true })).inserted).toBe(0);
  expect(await outbox()).toHaveLength(2);
});

test('a refused row adds no activity; the rest of its batch does', async () => {
  await db.pool.query('DELETE FROM company_activity_outbox');
  const rows = [
    makeRow({ company_domain: 'ok.example' }),
    makeRow({ company_domain: 'poison.example', server_timestamp: 'not a time' }),
  ] as unknown as Row[];
  const r = await storeBatch(db.pool, rows, []);
  expect(r.dead).toHaveLength(1);
  expect((await outbox()).map((x) => x.domain)).toEqual(['ok.example']);
});
