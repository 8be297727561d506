import { createServer } from 'node:net';
import { dbUrl, REDIS_URL, useTestDatabase } from '@beacon/testkit';
import { checkPostgres, checkRedis, DependencyDownError, redactUrl } from '../src/preflight.js';

// Real: the machine's PostgreSQL and Redis, and a port where nothing listens.
async function closedPort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const port = (srv.address() as { port: number }).port;
  await new Promise((r) => srv.close(r));
  return port;
}

const db = useTestDatabase({ migrated: false });

describe('beacon start preflight', () => {
  it('passes when PostgreSQL answers, also when the database does not exist yet', async () => {
    await expect(checkPostgres(db.url)).resolves.toBeUndefined();
    await expect(checkPostgres(dbUrl('beacon_does_not_exist_yet'))).resolves.toBeUndefined();
  });

  it('says how to start PostgreSQL when nothing answers', async () => {
    const url = `postgres://beacon:secret@127.0.0.1:${await closedPort()}/beacon`;
    const err = await checkPostgres(url, 1_000).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DependencyDownError);
    const msg = (err as Error).message;
    expect(msg).toMatch(/PostgreSQL does not answer/);
    expect(msg).toMatch(/ECONNREFUSED/);
    expect(msg).toContain('pg_ctlcluster');
    expect(msg).toContain('docker compose up -d postgres');
    expect(msg).not.toContain('secret');
  });

  it('passes when Redis answers and reports its eviction policy', async () => {
    const r = await checkRedis(REDIS_URL);
    expect(typeof r.maxmemoryPolicy === 'string' || r.maxmemoryPolicy === undefined).toBe(true);
  });

  it('says how to start Redis when nothing answers', async () => {
    const err = await checkRedis(`redis://127.0.0.1:${await closedPort()}`, 1_000).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DependencyDownError);
    expect((err as Error).message).toMatch(/Redis does not answer .*ECONNREFUSED/);
    expect((err as Error).message).toContain('docker compose up -d redis');
  });

  it('hides passwords in the URLs it prints', () => {
    expect(redactUrl('postgres://u:pw@h:5432/db')).toBe('postgres://u:***@h:5432/db');
    expect(redactUrl('redis://h:6379')).toBe('redis://h:6379');
  });
});
