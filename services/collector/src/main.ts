#!/usr/bin/env node
import { runServiceMain } from '@beacon/observability';
import { startCollector } from './index.js';

/** Process entry of the collector: `node services/collector/dist/main.js` (or `beacon serve collector`). */
await runServiceMain('collector', (config, logger) => startCollector(config, { logger }));
