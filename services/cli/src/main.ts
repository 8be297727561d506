#!/usr/bin/env node
import { loadDotEnv } from '@beacon/config';
import { runCli } from './program.js';

loadDotEnv();
process.exitCode = await runCli(process.argv.slice(2));
// Every command has finished (for `serve`/`start`: the services are closed or their deadline passed).
// A timer or socket some library left behind must not keep a stopped process alive past its grace
// period; the unref'd timer only fires when something else still holds the event loop open.
setTimeout(() => process.exit(), 1_000).unref();
