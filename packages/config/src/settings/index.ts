import { api } from './api.js';
import { attribution } from './attribution.js';
import { collector } from './collector.js';
import { core } from './core.js';
import { enricher } from './enricher.js';
import { email } from './email.js';
import { ops } from './ops.js';
import { storage } from './storage.js';
import { writer } from './writer.js';
import { rollups } from './rollups.js';

/** Every setting of Beacon, by group. The order here is the order of .env.example. */
export const settings = {
  core,
  storage,
  collector,
  enricher,
  attribution,
  writer,
  rollups,
  api,
  email,
  ops,
} as const;

/** Titles of the groups in .env.example. */
export const groupTitles: Record<keyof typeof settings, string> = {
  core: 'Stores and logging (every service)',
  storage: 'Partitions and retention',
  collector: 'Collector (HTTP intake)',
  enricher: 'Enricher (raw hits -> events)',
  attribution: 'Enricher: company identification and attribution',
  writer: 'Writer (events -> PostgreSQL)',
  api: 'Query API and dashboard',
  rollups: 'Rollups (aggregates kept indefinitely)',
  email: 'Email (invitations, password resets, reports)',
  ops: 'Running Beacon (beacon serve, beacon start)',
};
