import { spawn } from 'node:child_process';
import { EVENT_COLUMN_NAMES } from '@beacon/schema';

/** Runs a command to its end; resolves with its exit code and what it printed. */
export function runCommand(
  command: string,
  args: readonly string[],
  env?: NodeJS.ProcessEnv,
): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], env });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, out, err }));
  });
}

/** Runs psql with one command; rejects with its stderr on failure. */
export async function psql(url: string, command: string): Promise<string> {
  const r = await runCommand('psql', [url, '-v', 'ON_ERROR_STOP=1', '-qAt', '-c', command]);
  if (r.code !== 0) throw new Error(`psql exited ${r.code}: ${r.err}`);
  return r.out;
}

/** Raw `psql \copy` of a CSV file into events; resolves with the seconds it took. */
export async function psqlCopyEvents(url: string, csvPath: string): Promise<number> {
  const started = performance.now();
  await psql(
    url,
    `\\copy events (${EVENT_COLUMN_NAMES.map((c) => `"${c}"`).join(',')}) FROM '${csvPath}' WITH (FORMAT csv)`,
  );
  return (performance.now() - started) / 1000;
}
