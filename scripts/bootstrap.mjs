// Shared by scripts/test.mjs and scripts/start.mjs: on a fresh clone with only Node and npm, install
// pnpm, the workspace's dependencies (exactly the lockfile) and build the whole tree.
import { execFileSync, spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const root = fileURLToPath(new URL('..', import.meta.url));
const PNPM_VERSION = '9.15.9';

export function run(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { cwd: root, stdio: 'inherit', ...opts });
  if (r.status !== 0) process.exit(r.status ?? 1);
}

function hasPnpm() {
  try {
    execFileSync('pnpm', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

export function installAndBuild() {
  if (!hasPnpm()) run('npm', ['install', '-g', `pnpm@${PNPM_VERSION}`]);
  run('pnpm', ['install', '--frozen-lockfile', '--reporter=silent']);
  run('pnpm', ['run', 'build']);
}
