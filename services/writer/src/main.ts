#!/usr/bin/env node
import { runServiceMain } from '@beacon/observability';
import { startWriter } from './writer.js';

/** Process entry of the writer: `node services/writer/dist/main.js` (or `beacon serve writer`). */
await runServiceMain('writer', (config, logger) => startWriter(config, { logger }));
