#!/usr/bin/env node
import { runServiceMain } from '@beacon/observability';
import { startApi } from './server.js';

/** Process entry of the API: `node services/api/dist/main.js` (or `beacon serve api`). */
await runServiceMain('api', (config, logger) => startApi(config, { logger }));
