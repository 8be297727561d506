import { fileURLToPath } from 'node:url';
import bcrypt from 'bcryptjs';
import { parseSiteConfig } from '@beacon/schema';
import { createTestDatabase, runNode, type TestDatabase } from '@beacon/testkit';

/** Runs the built `beacon` bin as a user would, against the test database. */
const BIN = fileURLToPath(new URL('../dist/main.js', import.meta.url));
let db: TestDatabase;

const beacon = (args: string[], input?: string) =>
  runNode(BIN, args, { env: { DATABASE_URL: db.url, COLLECTOR_PUBLIC_URL: 'https://c.example.org' }, input });

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

  /** `beacon user create` of b@acme.test in ops@acme.test with this role and password. */
  const createB = (role: string, password: string) => [
    'user',
    'create',
    '--agency',
    'ops@acme.test',
    '--email',
    'b@acme.test',
    '--role',
    role,
    '--password',
    password,
  ];

  it.each([
    [
      ['site', 'create', '--agency', 'nobody@x.test', '--name', 'S', '--domain', 'x.com'],
      /no agency with id or email "nobody@x.test"/,
      1,
    ],
    [
      ['site', 'create', '--agency', 'ops@acme.test', '--name', 'S', '--domain', 'not a domain'],
      /is not a domain name/,
      2,
    ],
    [createB('owner', 'longenough'), /--role must be one of admin, user, viewer/, 2],
    [createB('user', 'short'), /at least 8 characters/, 2],
    [['agency', 'create', '--name', 'X', '--email', 'not-an-email'], /is not an email address/, 2],
    [['agency', 'create', '--name', 'X'], /required option '--email <email>' not specified/, 2],
    [['frobnicate'], /unknown command 'frobnicate'/, 2],
    // Two agencies exist by now: leaving --agency out is a usage error that says how to find them.
    [['site', 'create', '--name', 'S', '--domain', 'x.com'], /several agencies: name one with --agency/, 2],
    [
      ['user', 'set-password', '--email', 'nobody@acme.test', '--password', 'longenough'],
      /no user with email/,
      1,
    ],
  ] as [string[], RegExp, number][])(
    'refuses bad arguments with a clear message and exit code 2 (a failure: 1): %j',
    async (args, message, code) => {
      const r = await beacon(args);
      expect([r.code, r.stderr]).toEqual([code, expect.stringMatching(message)]);
      expect(r.stderr).not.toMatch(/at .*\.js/);
    },
  );

  it('lists agencies, sites and users, with ids and emails', async () => {
    const agencies = await beacon(['agency', 'list']);
    expect(agencies.code).toBe(0);
    const { rows } = await db.pool.query(`SELECT id::text FROM agencies WHERE email = 'ops@acme.test'`);
    expect(agencies.stdout).toMatch(new RegExp(`${rows[0].id}\\s+ops@acme.test\\s+Acme Digital`));
    expect(agencies.stdout.split('\n')[0]).toMatch(/^id\s+email\s+name\s+status\s+sites\s+users$/);
    const sites = JSON.parse((await beacon(['--json', 'site', 'list', '--agency', 'ops@acme.test'])).stdout);
    expect(sites.map((x: { domain: string }) => x.domain)).toEqual(['shop.example.com']);
    const users = await beacon(['user', 'list']);
    expect(users.stdout).toMatch(/ana@acme\.test\s+viewer\s+yes\s+never\s+Acme Digital/);
  });

  it('refuses a second site of the same domain in an agency unless --allow-duplicate; warns across agencies', async () => {
    const args = [
      'site',
      'create',
      '--agency',
      'ops@acme.test',
      '--name',
      'Again',
      '--domain',
      'shop.example.com',
    ];
    const dup = await beacon(args);
    expect(dup.code).toBe(1);
    expect(dup.stderr).toMatch(/already has a site for shop\.example\.com: Shop .*--allow-duplicate/);
    expect((await beacon([...args, '--allow-duplicate'])).code).toBe(0);
    const other = await beacon([
      'site',
      'create',
      '--agency',
      'r@r.test',
      '--name',
      'R shop',
      '--domain',
      'shop.example.com',
    ]);
    expect(other.code).toBe(0);
    expect(other.stderr).toMatch(/warning: shop\.example\.com is also tracked by agency Acme Digital/);
  });

  it('sets a password and ends the user’s login sessions', async () => {
    const { rows } = await db.pool.query(`SELECT id FROM dashboard_users WHERE email = 'ana@acme.test'`);
    await db.pool.query(
      `INSERT INTO auth_sessions (user_id, refresh_hash, expires_at) VALUES ($1, repeat('a', 64), now() + interval '1 day')`,
      [rows[0].id],
    );
    const r = await beacon(['user', 'set-password', '--email', 'ANA@acme.test'], 'a new password\n');
    expect([r.code, r.stdout]).toEqual([0, 'password of ana@acme.test set; 1 login session(s) ended\n']);
    const after = await db.pool.query(
      `SELECT u.password_hash, s.revoked_reason FROM dashboard_users u JOIN auth_sessions s ON s.user_id = u.id WHERE u.id = $1`,
      [rows[0].id],
    );
    expect(await bcrypt.compare('a new password', after.rows[0].password_hash)).toBe(true);
    expect(after.rows[0].revoked_reason).toBe('password_set');
    const short = await beacon(['user', 'set-password', '--email', 'ana@acme.test', '--password', 'short']);
    expect(short.code).toBe(2);
  });

  it('names a wrong environment variable and exits 78', async () => {
    const { code, stderr } = await runNode(BIN, ['migrate'], { env: { DATABASE_POOL_MAX: 'lots' } });
    expect(code).toBe(78);
    expect(stderr).toContain('DATABASE_POOL_MAX: must be a whole number');
    expect(stderr).not.toContain('lots'); // the value is never echoed (it could be a password)
  });

  it('refuses to serve a collector whose intake takes a path of another endpoint, naming both (78)', async () => {
    const { code, stderr } = await runNode(BIN, ['serve', 'collector'], {
      env: { DATABASE_URL: db.url, COLLECTOR_PORT: '0', INTAKE_SERVER_EVENTS_PATH: '/api/event' },
    });
    expect(code).toBe(78);
    expect(stderr).toContain(
      'INTAKE_PLAUSIBLE: the Plausible intake at /api/event collides with server-side events (INTAKE_SERVER_EVENTS_PATH)',
    );
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

describe('beacon CLI with a single agency', () => {
  let one: TestDatabase;
  beforeAll(async () => {
    one = await createTestDatabase();
  });
  afterAll(async () => {
    await one.drop();
  });
  const run = (args: string[], input?: string) => {
    const saved = db;
    db = one;
    return beacon(args, input).finally(() => (db = saved));
  };

  it('leaves --agency out when there is exactly one agency, and says when there is none', async () => {
    const none = await run(['site', 'create', '--name', 'S', '--domain', 's.example']);
    expect([none.code, none.stderr]).toEqual([1, expect.stringMatching(/no agency yet: create one/)]);
    const a = JSON.parse(
      (await run(['--json', 'agency', 'create', '--name', 'Solo', '--email', 'solo@x.test'])).stdout,
    );
    const site = await run(['--json', 'site', 'create', '--name', 'S', '--domain', 's.example']);
    expect(site.code).toBe(0);
    expect(JSON.parse(site.stdout).agency_id).toBe(a.id);
    const user = await run(['user', 'create', '--email', 'u@x.test', '--role', 'admin'], 'long enough\n');
    expect([user.code, user.stdout]).toEqual([0, 'user u@x.test (admin) created for Solo\n']);
  });
});

describe('beacon setup on a fresh install', () => {
  let fresh: TestDatabase;
  beforeAll(async () => {
    fresh = await createTestDatabase();
  });
  afterAll(async () => {
    await fresh.drop();
  });
  const run = (args: string[]) => {
    const saved = db;
    db = fresh;
    return beacon(args).finally(() => (db = saved));
  };

  it('creates the agency, its admin and its first site once; a second run is refused', async () => {
    const args = [
      '--json',
      'setup',
      '--agency-name',
      'Ops',
      '--email',
      'Ops@Example.org',
      '--site-domain',
      'example.org',
    ];
    const r = await run(args);
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.agency.email).toBe('ops@example.org');
    expect(out.site).toMatchObject({ domain: 'example.org', name: 'example.org' });
    expect(out.snippet).toContain(`data-site="${out.site.script_id}"`);
    const { rows } = await fresh.pool.query(
      `SELECT role, password_hash FROM dashboard_users WHERE email = 'ops@example.org'`,
    );
    expect(rows[0].role).toBe('admin');
    expect(await bcrypt.compare(out.login.password, rows[0].password_hash)).toBe(true);
    const again = await run(args);
    expect([again.code, again.stderr]).toEqual([
      1,
      expect.stringMatching(/already has an agency .*setup runs once/),
    ]);
    const n = await fresh.pool.query(
      `SELECT (SELECT count(*) FROM agencies)::int AS a, (SELECT count(*) FROM sites)::int AS s`,
    );
    expect(n.rows[0]).toEqual({ a: 1, s: 1 });
  });
});
