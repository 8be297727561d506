/**
 * A private PostgreSQL primary and a streaming replica for tests that need the pair (the API's read
 * replica): `initdb` of a throwaway cluster on a free port, `pg_basebackup -R` of it into a standby on
 * another port, both from the machine's PostgreSQL binaries. Nothing of the shared server is touched.
 * As root, the servers run as the `postgres` user (PostgreSQL refuses to run as root).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { freePort } from './ports.js';

export interface PgServer {
  port: number;
  dataDir: string;
  /** postgres://postgres@127.0.0.1:<port>/<db> */
  url(db?: string): string;
}

export interface PgReplicaPair {
  primary: PgServer;
  replica: PgServer;
  /** Resolves once the replica has replayed everything the primary has written so far. */
  caughtUp(timeoutMs?: number): Promise<void>;
  stop(): Promise<void>;
}

/** The directory of the newest installed PostgreSQL's binaries (PG_BINDIR overrides). */
export function pgBinDir(): string {
  if (process.env.PG_BINDIR) return process.env.PG_BINDIR;
  const root = '/usr/lib/postgresql';
  const versions = existsSync(root)
    ? readdirSync(root)
        .filter((v) => existsSync(join(root, v, 'bin', 'initdb')))
        .sort((a, b) => Number(b) - Number(a))
    : [];
  if (versions.length) return join(root, versions[0]!, 'bin');
  try {
    return execFileSync('pg_config', ['--bindir'], { encoding: 'utf8' }).trim();
  } catch {
    throw new Error('no PostgreSQL binaries found (install postgresql, or set PG_BINDIR)');
  }
}

const asRoot = process.getuid?.() === 0;

/** Runs a PostgreSQL binary (as the postgres user when we are root); throws with its output. */
function pgRun(bin: string, args: string[]): void {
  const exe = join(pgBinDir(), bin);
  const r = asRoot
    ? spawnSync('runuser', ['-u', 'postgres', '--', exe, ...args], { encoding: 'utf8' })
    : spawnSync(exe, args, { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${bin} ${args.join(' ')} failed: ${r.stdout}${r.stderr}`);
}

function ownedDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  if (asRoot) {
    const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim());
    const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim());
    chownSync(dir, uid, gid);
  }
  return dir;
}

function server(port: number, dataDir: string): PgServer {
  return { port, dataDir, url: (db = 'postgres') => `postgres://postgres@127.0.0.1:${port}/${db}` };
}

function start(s: PgServer, socketDir: string): void {
  pgRun('pg_ctl', [
    '-D',
    s.dataDir,
    '-l',
    join(socketDir, `pg-${s.port}.log`),
    '-w',
    '-t',
    '60',
    '-o',
    `-p ${s.port} -k ${socketDir} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off`,
    'start',
  ]);
}

async function query<T>(url: string, text: string): Promise<T[]> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    return (await c.query(text)).rows as T[];
  } finally {
    await c.end();
  }
}

/** Starts a primary and a streaming replica of it (both private, on free ports). */
export async function startPgReplicaPair(): Promise<PgReplicaPair> {
  const work = ownedDir('beacon-pgpair-');
  const primary = server(await freePort(), join(work, 'primary'));
  const replica = server(await freePort(), join(work, 'replica'));
  // trust for local and 127.0.0.1, replication connections included (initdb's defaults with -A trust).
  pgRun('initdb', [
    '-D',
    primary.dataDir,
    '-A',
    'trust',
    '-U',
    'postgres',
    '-E',
    'UTF8',
    '--locale=C',
    '--no-sync',
  ]);
  start(primary, work);
  pgRun('pg_basebackup', [
    '-h',
    '127.0.0.1',
    '-p',
    String(primary.port),
    '-U',
    'postgres',
    '-D',
    replica.dataDir,
    '-R',
    '-X',
    'stream',
    '--no-sync',
    '-c',
    'fast',
  ]);
  start(replica, work);
  const pair: PgReplicaPair = {
    primary,
    replica,
    async caughtUp(timeoutMs = 30_000) {
      const lsn = (
        await query<{ lsn: string }>(primary.url(), 'SELECT pg_current_wal_lsn()::text AS lsn')
      )[0]!.lsn;
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const [r] = await query<{ done: boolean }>(
          replica.url(),
          `SELECT pg_last_wal_replay_lsn() >= '${lsn}'::pg_lsn AS done`,
        );
        if (r?.done) return;
        if (Date.now() > deadline)
          throw new Error(`replica did not replay up to ${lsn} within ${timeoutMs} ms`);
        await new Promise((res) => setTimeout(res, 50));
      }
    },
    async stop() {
      for (const s of [replica, primary]) {
        try {
          pgRun('pg_ctl', ['-D', s.dataDir, '-m', 'immediate', '-w', 'stop']);
        } catch {
          // already down
        }
      }
      rmSync(work, { recursive: true, force: true });
    },
  };
  await query(replica.url(), 'SELECT 1');
  return pair;
}
