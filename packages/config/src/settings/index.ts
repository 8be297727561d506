import type { Setting } from '../setting.js';
import { api } from './api.js';
import { attribution } from './attribution.js';
import { collector } from './collector.js';
import { core } from './core.js';
import { enricher } from './enricher.js';
import { apiExports } from './exports.js';
import { intake } from './intake.js';
import { email } from './email.js';
import { alerts } from './alerts.js';
import { ops } from './ops.js';
import { storage } from './storage.js';
import { writer } from './writer.js';
import { rollups } from './rollups.js';
import { dataRights } from './data-rights.js';

/** Every setting of Beacon, by group. The order here is the order of .env.example. */
export const settings = {
  core,
  storage,
  collector,
  intake,
  enricher,
  attribution,
  writer,
  rollups,
  api,
  apiExports,
  dataRights,
  email,
  alerts,
  ops,
  // Every entry a Setting: a declaration left without its doc template (a bare tag) fails here.
} as const satisfies Record<string, Record<string, Setting<unknown>>>;

/** Titles of the groups in .env.example. */
export const groupTitles: Record<keyof typeof settings, string> = {
  core: 'Stores and logging (every service)',
  storage: 'Partitions and retention',
  collector: 'Collector (HTTP intake)',
  intake: 'Server-side events, compatible intake, ingestion health',
  enricher: 'Enricher (raw hits -> events)',
  attribution: 'Enricher: company identification and attribution',
  writer: 'Writer (events -> PostgreSQL)',
  api: 'Query API and dashboard',
  apiExports: 'Query API: CSV exports',
  rollups: 'Rollups (aggregates kept indefinitely)',
  dataRights: 'Data subject rights and the audit log',
  email: 'Email (invitations, password resets, reports)',
  alerts: 'Company alerts (webhooks, Slack, email)',
  ops: 'Running Beacon (beacon serve, beacon start)',
};
