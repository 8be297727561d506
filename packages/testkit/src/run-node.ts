import { spawn, type ChildProcess } from 'node:child_process';

export interface NodeRun {
  /** Exit code (-1 when killed by a signal). */
  code: number;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface RunNodeOptions {
  /** The child's whole environment besides PATH (nothing else leaks in from the test process). */
  env?: Record<string, string | undefined>;
  /** Written to stdin, then closed; without it stdin is closed at once. */
  input?: string;
  cwd?: string;
}

/**
 * Runs a Node script (a built bin such as the `beacon` CLI) as a user would, as a child process with
 * only PATH and the given environment; `done` resolves with its exit code and output. The child is
 * returned too, so a test can signal it while it runs.
 */
export function startNode(
  script: string,
  args: readonly string[],
  opts: RunNodeOptions = {},
): ChildProcess & { done: Promise<NodeRun> } {
  const child = spawn(process.execPath, [script, ...args], {
    cwd: opts.cwd,
    env: { PATH: process.env.PATH, ...opts.env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d) => (stdout += d));
  child.stderr!.on('data', (d) => (stderr += d));
  const done = new Promise<NodeRun>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code: code ?? -1, signal, stdout, stderr }));
  });
  child.stdin!.end(opts.input ?? '');
  return Object.assign(child, { done });
}

/** startNode, awaited. */
export function runNode(
  script: string,
  args: readonly string[],
  opts: RunNodeOptions = {},
): Promise<NodeRun> {
  return startNode(script, args, opts).done;
}
