import bcrypt from 'bcryptjs';
import { useTestDatabase } from '@beacon/testkit';
import { parseSiteConfig } from '@beacon/schema';
import { DEMO, ensureDemoData } from '../src/demo/data.js';

// Real: PostgreSQL (a throwaway migrated database). Nothing is faked.
const db = useTestDatabase();

async function counts(): Promise<{ agencies: number; sites: number; users: number }> {
  const { rows } = await db.pool.query(
    `SELECT (SELECT count(*) FROM agencies)::int AS agencies, (SELECT count(*) FROM sites)::int AS sites,
            (SELECT count(*) FROM dashboard_users)::int AS users`,
  );
  return rows[0];
}

const opts = {
  collector: { publicUrl: 'http://localhost:8080', scriptPath: '/v1/beacon.js' },
  origins: ['localhost', '127.0.0.1'],
};

describe('ensureDemoData', () => {
  it('creates the demo agency, a localhost site and an admin once; a second run creates nothing', async () => {
    const first = await ensureDemoData(db.pool, opts);
    expect(first.created).toEqual({ agency: true, site: true, user: true });
    expect(first.site.domain).toBe('localhost');
    expect(first.snippet).toContain(`data-site="${first.site.script_id}"`);
    expect(first.snippet).toContain('http://localhost:8080/v1/beacon.js');
    expect(first.apiKey).toMatch(/^bk_[0-9a-f]{8}_[A-Za-z0-9]{32}$/);
    expect(first.password).toHaveLength(16);

    // What is stored: a usable login (bcrypt hash of the printed password), an admin, the key's hash.
    const user = (await db.pool.query('SELECT * FROM dashboard_users WHERE email = $1', [DEMO.adminEmail]))
      .rows[0];
    expect(user.role).toBe('admin');
    expect(user.agency_id).toBe(first.agency.id);
    expect(await bcrypt.compare(first.password!, user.password_hash)).toBe(true);
    const agency = (
      await db.pool.query('SELECT api_key, api_key_prefix FROM agencies WHERE id = $1', [first.agency.id])
    ).rows[0];
    expect(first.apiKey!.startsWith(`${agency.api_key_prefix}_`)).toBe(true);
    expect(await bcrypt.compare(first.apiKey!, agency.api_key)).toBe(true);
    const site = (await db.pool.query('SELECT config, agency_id FROM sites WHERE id = $1', [first.site.id]))
      .rows[0];
    expect(site.agency_id).toBe(first.agency.id);
    expect(parseSiteConfig(site.config).allowed_origins).toEqual(['localhost', '127.0.0.1']);
    // The demo shop sells in EUR: its revenue is counted in the site's currency, not set apart.
    expect(parseSiteConfig(site.config).currency).toBe('EUR');
    expect(await counts()).toEqual({ agencies: 1, sites: 1, users: 1 });

    const second = await ensureDemoData(db.pool, opts);
    expect(second.created).toEqual({ agency: false, site: false, user: false });
    expect(second.password).toBeUndefined();
    expect(second.apiKey).toBeUndefined();
    expect(second.site.script_id).toBe(first.site.script_id);
    expect(second.agency.id).toBe(first.agency.id);
    expect(second.snippet).toBe(first.snippet);
    expect(await counts()).toEqual({ agencies: 1, sites: 1, users: 1 });
  });

  it('recreates only the missing part and leaves other tenants alone', async () => {
    const before = await ensureDemoData(db.pool, opts);
    await db.pool.query(
      `INSERT INTO agencies (name, email, api_key, api_key_prefix) VALUES ('Other', 'other@example.com', 'x', 'bk_00000000')`,
    );
    await db.pool.query('DELETE FROM sites WHERE id = $1', [before.site.id]);
    const again = await ensureDemoData(db.pool, opts);
    expect(again.created).toEqual({ agency: false, site: true, user: false });
    expect(again.site.script_id).not.toBe(before.site.script_id);
    expect(await counts()).toEqual({ agencies: 2, sites: 1, users: 1 });
  });

  it('creates one of each when two runs race', async () => {
    await db.pool.query('DELETE FROM agencies');
    const [a, b] = await Promise.all([ensureDemoData(db.pool, opts), ensureDemoData(db.pool, opts)]);
    const creators = [a, b].filter((r) => r.created.agency);
    expect(creators).toHaveLength(1);
    expect(a.site.script_id).toBe(b.site.script_id);
    expect(await counts()).toEqual({ agencies: 1, sites: 1, users: 1 });
  });
});
