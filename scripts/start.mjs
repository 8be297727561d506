#!/usr/bin/env node
// The README's start command (`npm start`): installs and builds on a fresh clone, then hands over to
// `beacon start` (migrate, demo data, all services). Extra arguments go to `beacon start`.
import { installAndBuild, run } from './bootstrap.mjs';

installAndBuild();
run(process.execPath, ['services/cli/dist/main.js', 'start', ...process.argv.slice(2)]);
