import { execFile } from 'node:child_process';
import { chmod, chown, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { ensureDatabase, migrate } from '@beacon/db';
import { freePort } from './helpers.js';

const run = promisify(execFile);
const BIN = '/usr/lib/postgresql/15/bin';

/**
 * A private PostgreSQL cluster for a test that stops or restarts the server (never the shared one):
 * initdb as the postgres user, pg_ctl on a free port with its socket in the cluster's directory.
 */
export class PrivatePostgres {
  private constructor(
    readonly dir: string,
    readonly port: number,
  ) {}

  static async create(): Promise<PrivatePostgres> {
    const dir = await mkdtemp(join(tmpdir(), 'beacon-pg-'));
    const { stdout } = await run('id', ['-u', 'postgres']);
    const uid = Number(stdout.trim());
    await chown(dir, uid, uid);
    await chmod(dir, 0o700);
    await run(
      'runuser',
      [
        '-u',
        'postgres',
        '--',
        `${BIN}/initdb`,
        '-D',
        `${dir}/data`,
        '-A',
        'trust',
        '-U',
        'postgres',
        '--no-sync',
      ],
      {
        cwd: '/tmp',
      },
    );
    const pgPort = await freePort();
    const cluster = new PrivatePostgres(dir, pgPort);
    await cluster.ctl('start');
    return cluster;
  }

  url(db = 'beacon'): string {
    return `postgres://postgres@127.0.0.1:${this.port}/${db}`;
  }

  /** Creates and migrates the database with @beacon/db's migrations. */
  async createDatabase(db = 'beacon'): Promise<string> {
    await ensureDatabase(this.url(db));
    await migrate(this.url(db));
    return this.url(db);
  }

  async ctl(action: 'start' | 'stop' | 'restart'): Promise<void> {
    const args = [
      '-u',
      'postgres',
      '--',
      `${BIN}/pg_ctl`,
      '-D',
      `${this.dir}/data`,
      '-w',
      '-l',
      `${this.dir}/log`,
    ];
    if (action !== 'stop')
      args.push(
        '-o',
        `-p ${this.port} -k ${this.dir} -c listen_addresses=127.0.0.1 -c fsync=off -c shared_buffers=32MB -c max_connections=50`,
      );
    if (action !== 'start') args.push('-m', 'fast');
    await run('runuser', [...args, action], { cwd: '/tmp' });
  }

  async query<T extends pg.QueryResultRow>(sql: string, db = 'beacon'): Promise<T[]> {
    const c = new pg.Client({ connectionString: this.url(db) });
    await c.connect();
    try {
      return (await c.query<T>(sql)).rows;
    } finally {
      await c.end();
    }
  }

  async destroy(): Promise<void> {
    await this.ctl('stop').catch(() => undefined);
    await rm(this.dir, { recursive: true, force: true });
  }
}
