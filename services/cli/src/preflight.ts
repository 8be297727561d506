import pg from 'pg';
import { createRedis } from '@beacon/queue';
import { UserError } from './context.js';

/** The URL without its password, for messages. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return '(unparsable URL)';
  }
}

/** A server Beacon needs does not answer: the message says how to start one. */
export class DependencyDownError extends UserError {
  readonly code = 'DEPENDENCY_DOWN';
}

/**
 * Checks that a PostgreSQL server answers at `url`. A missing database is fine (migrate creates it);
 * a refused connection, an unknown host, a timeout or a rejected login is reported with how to fix it.
 */
export async function checkPostgres(url: string, timeoutMs = 3_000): Promise<void> {
  const client = new pg.Client({
    connectionString: url,
    connectionTimeoutMillis: timeoutMs,
    application_name: 'beacon-start',
  });
  client.on('error', () => undefined);
  try {
    await client.connect();
    await client.query('SELECT 1');
  } catch (err) {
    const code = (err as { code?: string }).code;
    if (code === '3D000') return; // database does not exist yet: the server answers, migrate creates it
    const auth = code === '28P01' || code === '28000';
    throw new DependencyDownError(
      `PostgreSQL does not ${auth ? 'accept the login' : 'answer'} at ${redactUrl(url)} (${(err as Error).message}).\n` +
        (auth
          ? 'Check the user and password in DATABASE_URL.\n'
          : 'Start one, then run this again:\n' +
            '  on this machine (Debian/Ubuntu):  pg_ctlcluster 15 main start   (or: sudo systemctl start postgresql)\n' +
            '  with Docker, from the repository root:  docker compose up -d postgres\n' +
            'or set DATABASE_URL to a running PostgreSQL 15 or newer.\n'),
    );
  } finally {
    await client.end().catch(() => undefined);
  }
}

/**
 * Checks that Redis answers PING at `url`; returns its maxmemory-policy when CONFIG GET is allowed
 * (managed Redis often forbids it), so the caller can warn when accepted hits could be evicted.
 */
export async function checkRedis(url: string, timeoutMs = 3_000): Promise<{ maxmemoryPolicy?: string }> {
  const redis = createRedis(url, 'producer', {
    lazyConnect: true,
    connectTimeout: timeoutMs,
    retryStrategy: () => null,
    maxRetriesPerRequest: 0,
  });
  // ioredis reports "Connection is closed." to the caller; the 'error' event has the real cause.
  let cause: Error | undefined;
  redis.on('error', (err: Error) => {
    cause ??= err;
  });
  try {
    await redis.connect();
    await redis.ping();
  } catch (err) {
    redis.disconnect();
    throw new DependencyDownError(
      `Redis does not answer at ${redactUrl(url)} (${(cause ?? (err as Error)).message}).\n` +
        'Start one, then run this again:\n' +
        '  on this machine:  redis-server --daemonize yes   (or: sudo systemctl start redis-server)\n' +
        '  with Docker, from the repository root:  docker compose up -d redis\n' +
        'or set REDIS_URL to a running Redis 7.\n',
    );
  }
  try {
    const reply = (await redis.config('GET', 'maxmemory-policy')) as string[];
    return reply[1] ? { maxmemoryPolicy: reply[1] } : {};
  } catch {
    return {};
  } finally {
    redis.disconnect();
  }
}
