#!/usr/bin/env node
import { runServiceMain } from '@beacon/observability';
import { startEnricher } from './index.js';

/** Process entry of the enricher: `node services/enricher/dist/main.js` (or `beacon serve enricher`). */
await runServiceMain('enricher', (config, logger) => startEnricher(config, { logger }));
