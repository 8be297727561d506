/**
 * Statements of the read-replica router (read-replica.ts): WAL positions of the primary and of the
 * streaming replica, compared in the API to know how far behind the replica is.
 */

/** On the primary. Out: lsn (text, `X/Y`). */
export const primaryLsn = `SELECT pg_current_wal_lsn()::text AS lsn`;

/**
 * On the replica. Out: replay_lsn (text, `X/Y`; null on a server that is not in recovery),
 * in_recovery. A server that is not a standby (promoted, or misconfigured) is not used for reads.
 */
export const replicaReplayLsn = `SELECT pg_last_wal_replay_lsn()::text AS replay_lsn, pg_is_in_recovery() AS in_recovery`;
