#!/usr/bin/env node
// `npm run pnpm -- <args>`: runs the pnpm pinned in package.json (installed into .tools/ on first use),
// whatever pnpm is on the PATH, e.g. `npm run pnpm -- jest services/writer`.
import { pnpm } from './bootstrap.mjs';

pnpm(process.argv.slice(2));
