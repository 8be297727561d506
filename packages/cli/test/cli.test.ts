import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import bcrypt from 'bcryptjs';
import { parseSiteConfig } from '@beacon/schema';
import { createTestDatabase, type TestDatabase } from '@beacon/testkit';

/** Runs the built `beacon` bin as a user would, against the test database. */
const BIN = fileURLToPath(new URL('../dist/main.js', import.meta.url));
let db: TestDatabase;

function beacon(args: string[], input?: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      env: { PATH: process.env.PATH, DATABASE_URL: db.url, COLLECTOR_PUBLIC_URL: 'https://c.example.org' },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
    child.stdin.end(input ?? '');
  });
}

beforeAll(async () => {
  db = await createTestDatabase({ migrated: false });
});
afterAll(async () => {
  await db.drop();
});

describe('beacon CLI', () => {
  it('migrates a fresh database, and a second migrate is a no-op', async () => {
    const first = await beacon(['migrate']);
    expect(first.code).toBe(0);
    expect(first.stdout).toMatch(/applied \d+ migration/);
    const second = await beacon(['migrate']);
    expect(second).toMatchObject({ code: 0, stdout: 'database is up to date\n' });
  });

  it('creates an agency, printing its API key once and storing only a bcrypt hash', async () => {
    const r = await beacon([
      '--json',
      'agency',
      'create',
      '--name',
      'Acme Digital',
      '--email',
      'Ops@Acme.test',
    ]);
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.api_key).toMatch(/^bk_[0-9a-f]{8}_[A-Za-z0-9]{32}$/);
    const { rows } = await db.pool.query(
      'SELECT email, api_key, api_key_prefix FROM agencies WHERE id = $1',
      [out.id],
    );
    expect(rows[0].email).toBe('ops@acme.test');
    expect(rows[0].api_key).not.toContain(out.api_key.slice(12));
    expect(await bcrypt.compare(out.api_key, rows[0].api_key)).toBe(true);
    expect(out.api_key.startsWith(rows[0].api_key_prefix)).toBe(true);

    const dup = await beacon(['agency', 'create', '--name', 'Again', '--email', 'ops@acme.test']);
    expect(dup.code).toBe(1);
    expect(dup.stderr).toBe('error: an agency with email ops@acme.test already exists\n');
  });

  it('rotates an agency key so the old one no longer verifies', async () => {
    const created = JSON.parse(
      (await beacon(['--json', 'agency', 'create', '--name', 'R', '--email', 'r@r.test'])).stdout,
    );
    const rotated = JSON.parse(
      (await beacon(['--json', 'agency', 'rotate-key', '--agency', 'r@r.test'])).stdout,
    );
    expect(rotated.api_key).not.toBe(created.api_key);
    const { rows } = await db.pool.query('SELECT api_key FROM agencies WHERE id = $1', [created.id]);
    expect(await bcrypt.compare(created.api_key, rows[0].api_key)).toBe(false);
    expect(await bcrypt.compare(rotated.api_key, rows[0].api_key)).toBe(true);
  });

  it('creates a site and prints its script_id and the snippet', async () => {
    const r = await beacon([
      'site',
      'create',
      '--agency',
      'ops@acme.test',
      '--name',
      'Shop',
      '--domain',
      'https://Shop.Example.com/',
    ]);
    expect(r.code).toBe(0);
    const scriptId = /script_id: ([a-z0-9]{12})/.exec(r.stdout)?.[1];
    expect(scriptId).toBeDefined();
    expect(r.stdout).toContain(
      `<script defer data-site="${scriptId}" src="https://c.example.org/v1/beacon.js"></script>`,
    );
    expect(r.stdout).toContain('IPs stored truncated');
    const { rows } = await db.pool.query('SELECT domain, status, config FROM sites WHERE script_id = $1', [
      scriptId,
    ]);
    expect(rows[0]).toMatchObject({ domain: 'shop.example.com', status: 'active' });
    // Private by default: the site has no ip_anonymization of its own, so it truncates.
    expect(parseSiteConfig(rows[0].config).ip_anonymization).toBe('truncate');
  });

  it('creates a user with a bcrypt password read from stdin', async () => {
    const r = await beacon(
      ['user', 'create', '--agency', 'ops@acme.test', '--email', 'Ana@Acme.test', '--role', 'viewer'],
      'correct horse\n',
    );
    expect(r.code).toBe(0);
    const { rows } = await db.pool.query(
      "SELECT role, password_hash FROM dashboard_users WHERE email = 'ana@acme.test'",
    );
    expect(rows[0].role).toBe('viewer');
    expect(await bcrypt.compare('correct horse', rows[0].password_hash)).toBe(true);
  });

  it.each([
    [
      ['site', 'create', '--agency', 'nobody@x.test', '--name', 'S', '--domain', 'x.com'],
      /no agency with id or email "nobody@x.test"/,
    ],
    [
      ['site', 'create', '--agency', 'ops@acme.test', '--name', 'S', '--domain', 'not a domain'],
      /is not a domain name/,
    ],
    [
      [
        'user',
        'create',
        '--agency',
        'ops@acme.test',
        '--email',
        'b@acme.test',
        '--role',
        'owner',
        '--password',
        'longenough',
      ],
      /--role must be one of admin, user, viewer/,
    ],
    [
      [
        'user',
        'create',
        '--agency',
        'ops@acme.test',
        '--email',
        'b@acme.test',
        '--role',
        'user',
        '--password',
        'short',
      ],
      /at least 8 characters/,
    ],
    [['agency', 'create', '--name', 'X', '--email', 'not-an-email'], /is not an email address/],
    [['agency', 'create', '--name', 'X'], /required option '--email <email>' not specified/],
    [['frobnicate'], /unknown command 'frobnicate'/],
  ])('refuses bad arguments with a clear message: %j', async (args, message) => {
    const r = await beacon(args);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(message);
  });

  it('names a wrong environment variable and exits 78', async () => {
    const child = spawn(process.execPath, [BIN, 'migrate'], {
      env: { PATH: process.env.PATH, DATABASE_POOL_MAX: 'lots' },
    });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    const code = await new Promise((r) => child.on('close', r));
    expect(code).toBe(78);
    expect(stderr).toContain('DATABASE_POOL_MAX: must be a whole number');
    expect(stderr).not.toContain('lots'); // the value is never echoed (it could be a password)
  });

  it('ensures partitions and runs retention as a dry run', async () => {
    const p = await beacon(['--json', 'partitions', 'ensure', '--months-ahead', '5']);
    expect(p.code).toBe(0);
    expect(JSON.parse(p.stdout).partitions.length).toBeGreaterThanOrEqual(6);
    const r = await beacon(['--json', 'retention', 'run', '--dry-run']);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ dryRun: true, longestMonths: 13 });
  });
});
