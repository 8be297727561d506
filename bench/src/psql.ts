import { spawn } from 'node:child_process';
import { EVENT_COLUMN_NAMES } from '@beacon/schema';

/** Runs psql with one command; rejects with its stderr on failure. */
export function psql(url: string, command: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn('psql', [url, '-v', 'ON_ERROR_STOP=1', '-qAt', '-c', command], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    child.on('error', reject);
    child.on('close', (code) =>
      code === 0 ? resolve(out) : reject(new Error(`psql exited ${code}: ${err}`)),
    );
  });
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
