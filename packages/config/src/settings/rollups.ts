import { parsers as p, setting } from '../setting.js';

/** Rollups: aggregates of events kept indefinitely (docs/rollups.md). */
export const rollups = {
  write: setting('ROLLUPS_WRITE', p.bool(), true)`
    The writer adds the events it stores to the rollups in the same transaction. When off, the sites it
    writes lose their rollup coverage (the API answers them from events) until \`beacon rollups rebuild\`.`,
  read: setting('ROLLUPS_READ', p.bool(), true)`
    The API answers dashboard questions from rollups where they cover the range and its filters (header
    X-Beacon-Source: rollup|events).`,
};
