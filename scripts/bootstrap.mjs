// Shared by scripts/test.mjs and scripts/start.mjs: on a fresh clone with only Node and npm, install
// exactly the pnpm pinned in package.json ("packageManager") into .tools/, whatever pnpm is on the PATH
// (another major, or none), then the workspace's dependencies (exactly the lockfile), and build the tree.
// Why not the pnpm on the PATH: pnpm 10+ reads "packageManager" and tries to switch to that version,
// which fails on some machines (ERR_PNPM_BAD_CONFIG_DEP, see the README); and corepack changes global
// state and is no longer bundled with Node 25+. A private npm install of the pinned version needs neither.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = fileURLToPath(new URL('..', import.meta.url));

const pin = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).packageManager ?? '';
export const PNPM_VERSION = /^pnpm@(\d+\.\d+\.\d+)/.exec(pin)?.[1];
if (!PNPM_VERSION) throw new Error(`package.json "packageManager" must pin pnpm@x.y.z, not "${pin}"`);

const toolDir = join(root, '.tools', `pnpm-${PNPM_VERSION}`);
const pnpmCli = join(toolDir, 'node_modules', 'pnpm', 'bin', 'pnpm.cjs');

export function run(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, {
    cwd: root,
    stdio: 'inherit',
    shell: process.platform === 'win32',
    ...opts,
  });
  if (r.status !== 0) process.exit(r.status ?? 1);
}

/** The environment with the pinned pnpm first on the PATH: the scripts pnpm runs call `pnpm` again. */
export function pinnedEnv(env = process.env) {
  const pathKey = Object.keys(env).find((k) => k.toUpperCase() === 'PATH') ?? 'PATH';
  return { ...env, [pathKey]: `${join(toolDir, 'node_modules', '.bin')}${delimiter}${env[pathKey] ?? ''}` };
}

/** Runs the pinned pnpm (installed into .tools/ on first use) with `args`; exits on failure. */
export function pnpm(args) {
  if (!existsSync(pnpmCli)) {
    console.log(`Installing pnpm ${PNPM_VERSION} (pinned in package.json) into .tools/ ...`);
    run('npm', [
      'install',
      '--prefix',
      toolDir,
      '--no-save',
      '--no-package-lock',
      '--no-audit',
      '--no-fund',
      '--loglevel=error',
      `pnpm@${PNPM_VERSION}`,
    ]);
  }
  run(process.execPath, [pnpmCli, ...args], { env: pinnedEnv() });
}

export function installAndBuild() {
  pnpm(['install', '--frozen-lockfile', '--reporter=silent']);
  pnpm(['run', 'build']);
}
