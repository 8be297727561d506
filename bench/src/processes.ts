import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { freePort } from '@beacon/testkit';

export { freePort };

/** Child processes of the benchmarks: free ports, the API as its own process, CPU time from /proc. */

const API_MAIN = fileURLToPath(new URL('../../services/api/dist/main.js', import.meta.url));

/** user + system CPU seconds of a process so far (Linux /proc; NaN elsewhere). */
export async function cpuSeconds(pid: number | undefined): Promise<number> {
  if (pid === undefined) return NaN;
  try {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100; // utime, stime in clock ticks (USER_HZ = 100)
  } catch {
    return NaN;
  }
}

/** Resident set size of a process in bytes (VmRSS of Linux /proc; NaN elsewhere or once it is gone). */
export async function rssBytes(pid: number | undefined): Promise<number> {
  if (pid === undefined) return NaN;
  try {
    const m = /^VmRSS:\s+(\d+) kB/m.exec(await readFile(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) * 1024 : NaN;
  } catch {
    return NaN;
  }
}

/** Polls `<url>/readyz` until it answers 200 (`timeoutMs`, 30 s by default); fails early if the child exits. */
export async function waitReady(
  child: ChildProcess,
  url: string,
  what: string,
  timeoutMs = 30_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`${what} exited with ${child.exitCode}`);
    try {
      if ((await fetch(`${url}/readyz`, { signal: AbortSignal.timeout(2_000) })).ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  child.kill('SIGTERM');
  throw new Error(`${what} did not become ready within ${timeoutMs / 1000} s`);
}

/**
 * The built API (services/api/dist/main.js, or `main` of another checkout) as its own process on a free
 * port, once it is ready.
 */
export async function startApiProcess(
  databaseUrl: string,
  env: Record<string, string> = {},
  main = API_MAIN,
): Promise<{ child: ChildProcess; url: string }> {
  const port = await freePort();
  const child = spawn(process.execPath, [main], {
    env: {
      ...process.env,
      DATABASE_URL: databaseUrl,
      DATABASE_POOL_MAX: '5',
      API_PORT: String(port),
      API_HOST: '127.0.0.1',
      API_OPS_PORT: '0',
      API_JWT_SECRET: randomBytes(32).toString('hex'),
      API_COOKIE_SECURE: 'false',
      LOG_LEVEL: 'warn',
      QUEUE_PREFIX: `bench-api-${randomBytes(3).toString('hex')}`,
      ...env,
    },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  const url = `http://127.0.0.1:${port}`;
  await waitReady(child, url, 'the API');
  return { child, url };
}

/** Stops a child with SIGTERM and waits for its exit (nothing when it already ended). */
export async function stopProcess(child: ChildProcess | undefined): Promise<void> {
  if (child && child.exitCode === null && child.signalCode === null) {
    child.kill('SIGTERM');
    await once(child, 'exit');
  }
}
