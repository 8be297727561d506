#!/usr/bin/env node
import { loadDotEnv } from '@beacon/config';
import { runCli } from './program.js';

loadDotEnv();
process.exitCode = await runCli(process.argv.slice(2));
