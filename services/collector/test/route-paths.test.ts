import { fileURLToPath } from 'node:url';
import { ConfigError, parseConfig } from '@beacon/config';
import { collectorTestEnv, runNode, uniquePrefix } from '@beacon/testkit';
import { startCollector } from '../src/index.js';

// Two endpoints on one path would let the first route silently take the other's requests (a Plausible
// hit read as a server-side event, a tracker batch answered by an intake). The collector refuses such a
// configuration before it connects or listens, naming both settings.

/** A collector configuration; the database is never reached by these tests. */
const configWith = (env: Record<string, string>) =>
  parseConfig({
    ...collectorTestEnv('postgres://postgres@127.0.0.1:5432/postgres', uniquePrefix('paths')),
    ...env,
  });

async function refusal(env: Record<string, string>): Promise<string> {
  const err = await startCollector(configWith(env)).then(
    async (c) => (await c.close(), null),
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ConfigError);
  return (err as ConfigError).message;
}

describe('the collector refuses endpoints that share a path', () => {
  it.each([
    [{ INTAKE_SERVER_EVENTS_PATH: '/api/event' }, 'INTAKE_PLAUSIBLE', 'INTAKE_SERVER_EVENTS_PATH'],
    [{ INTAKE_SERVER_EVENTS_PATH: '/V1/Batch/' }, 'INTAKE_SERVER_EVENTS_PATH', 'COLLECTOR_BATCH_PATH'],
    [{ COLLECTOR_TRACK_PATH: '/mp/collect' }, 'INTAKE_GA4', 'COLLECTOR_TRACK_PATH'],
    [{ COLLECTOR_SCRIPT_PATH: '/segment/v1/page' }, 'INTAKE_SEGMENT', 'COLLECTOR_SCRIPT_PATH'],
    [{ COLLECTOR_PIXEL_PATH: '/api/send' }, 'INTAKE_UMAMI', 'COLLECTOR_PIXEL_PATH'],
    [{ COLLECTOR_PIXEL_PATH: '/v1/batch' }, 'COLLECTOR_PIXEL_PATH', 'COLLECTOR_BATCH_PATH'],
    [{ COLLECTOR_TRACK_PATH: '/healthz' }, 'COLLECTOR_TRACK_PATH', 'the public health probes'],
  ])('%j: names %s and %s', async (env, second, first) => {
    const message = await refusal(env);
    expect(message).toContain(`  ${second}: `);
    expect(message).toContain(`(${first})`);
    expect(message.split('\n').filter((l) => l.startsWith('  '))).toHaveLength(1);
  });

  it('names every collision at once', async () => {
    const message = await refusal({
      COLLECTOR_TRACK_PATH: '/api/event',
      INTAKE_SERVER_EVENTS_PATH: '/api/send',
    });
    expect(message).toContain('INTAKE_PLAUSIBLE: the Plausible intake at /api/event collides with');
    expect(message).toContain('(COLLECTOR_TRACK_PATH)');
    expect(message).toContain('INTAKE_UMAMI: the Umami intake at /api/send collides with');
    expect(message).toContain('(INTAKE_SERVER_EVENTS_PATH)');
  });

  it('the collector process says so and exits 78, the exit code of a bad setting', async () => {
    const main = fileURLToPath(new URL('../dist/main.js', import.meta.url));
    const { code, stdout, stderr } = await runNode(main, [], {
      env: { COLLECTOR_PORT: '0', LOG_LEVEL: 'info', INTAKE_SERVER_EVENTS_PATH: '/mp/collect' },
    });
    expect(code).toBe(78);
    const reason =
      'INTAKE_GA4: the GA4 intake at /mp/collect collides with server-side events (INTAKE_SERVER_EVENTS_PATH)';
    expect(stderr).toContain(reason);
    // Said once: the logs (stdout) say the collector refused its configuration, without a second copy.
    expect((stdout + stderr).split(reason).length - 1).toBe(1);
    expect(stdout).toContain('collector refused its configuration');
  });

  it('starts when the intake that held the path is switched off, and serves the path that took it', async () => {
    const c = await startCollector(
      configWith({ INTAKE_SERVER_EVENTS_PATH: '/api/event', INTAKE_PLAUSIBLE: 'false' }),
    );
    try {
      const r = await fetch(`http://127.0.0.1:${c.port}/api/event`, { method: 'POST', body: '{}' });
      expect(r.status).toBe(401); // server-side events: no ingest token or API key
      expect((await r.json()).error).toBe('unauthorized');
    } finally {
      await c.close();
    }
  });
});
