import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** The built `beacon` bin, run as an operator runs it: its own process, DATABASE_URL in the environment. */
const BIN = fileURLToPath(new URL('../../dist/main.js', import.meta.url));

/** Test timeout for tests that run the CLI: each run is a process that loads the whole CLI (seconds on a loaded machine). */
export const SLOW = 180_000;

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

export function runBeacon(databaseUrl: string, args: string[]): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      env: { PATH: process.env.PATH, DATABASE_URL: databaseUrl },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}
