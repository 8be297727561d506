// One jest run for the whole tree. TypeScript is compiled by @swc/jest (no type-check: `pnpm build`
// does that) and run as native ESM (node --experimental-vm-modules), the way the services run.
// Workspace packages resolve to their sources, so tests need no build of the package under test.
// Measured with --no-cache on 4 test files (23 tests): @swc/jest 4.0-4.3 s wall, ts-jest 29 (ESM,
// type-checking) 7.5-8.4 s; type errors are caught by `pnpm build`, which the test command runs first.
import { existsSync } from 'node:fs';

const packages = ['config', 'observability', 'schema', 'db', 'queue', 'auth', 'testkit', 'tracker'];
const roots = ['packages', 'services', 'bench', 'infra'].filter((d) =>
  existsSync(new URL(d, import.meta.url)),
);

/** @type {import('jest').Config} */
export default {
  testEnvironment: 'node',
  roots: roots.map((d) => `<rootDir>/${d}`),
  testMatch: ['**/test/**/*.test.ts'],
  testPathIgnorePatterns: ['/node_modules/', '/dist/'],
  extensionsToTreatAsEsm: ['.ts'],
  transform: {
    '^.+\\.ts$': [
      '@swc/jest',
      {
        jsc: { parser: { syntax: 'typescript' }, target: 'es2022', keepClassNames: true },
        module: { type: 'es6' },
        sourceMaps: 'inline',
      },
    ],
  },
  moduleNameMapper: {
    [`^@beacon/(${packages.join('|')})$`]: '<rootDir>/packages/$1/src/index.ts',
    '^@beacon/testkit/smtp$': '<rootDir>/packages/testkit/src/smtp.ts',
    '^@beacon/schema/http-error$': '<rootDir>/packages/schema/src/http-error.ts',
    // The dashboard's browser test starts the real API from its sources.
    '^@beacon/api$': '<rootDir>/services/api/src/index.ts',
    '^(\\.{1,2}/.*)\\.js$': '$1',
  },
  globalSetup: '<rootDir>/packages/testkit/dist/global-setup.js',
  globalTeardown: '<rootDir>/packages/testkit/dist/global-teardown.js',
  testTimeout: 30_000,
  // Two cores: two workers keep PostgreSQL and the tests from starving each other.
  maxWorkers: 2,
};
