import { api } from './api.js';
import { collector } from './collector.js';
import { core } from './core.js';
import { enricher } from './enricher.js';
import { storage } from './storage.js';
import { writer } from './writer.js';
import { rollups } from './rollups.js';

/** Every setting of Beacon, by group. The order here is the order of .env.example. */
export const settings = { core, storage, collector, enricher, writer, api, rollups } as const;

/** Titles of the groups in .env.example. */
export const groupTitles: Record<keyof typeof settings, string> = {
  core: 'Stores and logging (every service)',
  storage: 'Partitions and retention',
  collector: 'Collector (HTTP intake)',
  enricher: 'Enricher (raw hits -> events)',
  writer: 'Writer (events -> PostgreSQL)',
  api: 'Query API and dashboard',
  rollups: 'Rollups (aggregates kept indefinitely)',
};
