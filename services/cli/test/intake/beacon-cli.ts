import { fileURLToPath } from 'node:url';
import { runNode, type NodeRun } from '@beacon/testkit';

/** The built `beacon` bin, run as an operator runs it: its own process, DATABASE_URL in the environment. */
const BIN = fileURLToPath(new URL('../../dist/main.js', import.meta.url));

/** Test timeout for tests that run the CLI: each run is a process that loads the whole CLI (seconds on a loaded machine). */
export const SLOW = 180_000;

export function runBeacon(databaseUrl: string, args: string[]): Promise<NodeRun> {
  return runNode(BIN, args, { env: { DATABASE_URL: databaseUrl } });
}
