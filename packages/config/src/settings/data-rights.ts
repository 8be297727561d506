import { parsers as p, setting } from '../setting.js';

/** Data subject rights (export, erasure) and the audit log (docs/privacy-rights.md). */
export const dataRights = {
  auditLogRetentionDays: setting('AUDIT_LOG_RETENTION_DAYS', p.int(1, 36_500), 730)`
    Days an audit log entry (and a finished erasure request) is kept; older ones are purged by the retention
    job.`,
  eraseBatch: setting('PRIVACY_ERASE_BATCH', p.int(10, 100_000), 1_000)`
    Rows an erasure deletes or re-keys per statement (one short transaction each).`,
  eraseSliceHours: setting('PRIVACY_ERASE_SLICE_HOURS', p.int(1, 24 * 366), 168)`
    Hours of an agency's events an erasure scans per step (by site and time, no extra index).`,
  eraseSettleMinutes: setting('PRIVACY_ERASE_SETTLE_MINUTES', p.int(0, 7 * 24 * 60), 60)`
    Before an erasure finishes it scans again the events stored from this long before its request (hits that
    were still queued) and loops until that scan finds nothing.`,
  eraseInApi: setting('PRIVACY_ERASE_IN_API', p.bool(), true)`
    The API runs the erasure requests it receives, and on start resumes those a crash interrupted (else run
    \`beacon privacy resume\`).`,
};
