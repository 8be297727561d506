import { parsers as p, setting } from '../setting.js';

/** Partitions and retention of stored data. */
export const storage = {
  partitionMonthsAhead: setting('PARTITION_MONTHS_AHEAD', p.int(1, 36), 3)`
    Monthly partitions of events created ahead of the current month.`,
  retentionMonthsDefault: setting('RETENTION_MONTHS_DEFAULT', p.int(1, 600), 13)`
    Months of raw events and sessions kept for an agency whose config sets no retention_months.`,
  retentionDeleteBatch: setting('RETENTION_DELETE_BATCH', p.int(100, 1_000_000), 10_000)`
    Rows deleted per statement when an agency keeps less than the longest retention (bounded batches keep
    locks short).`,
};
