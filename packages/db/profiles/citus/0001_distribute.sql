-- Beacon on Citus (`beacon migrate --profile citus`, docs/scaling.md "Events on Citus"). Applied after
-- the base migrations, on the coordinator, with the citus extension created and the workers added.
--
-- Layout: events, sessions and the rollups are distributed by site_id (the site's script_id; every
-- dashboard question names one site, so each becomes a router query to one shard) and co-located, so
-- the writer's per-batch work and session/event joins stay on one node. The small tables every query
-- joins are reference tables (a copy on every node). dead_events and the migration ledgers stay local
-- on the coordinator (packages/db/src/profiles.ts CITUS_LOCAL_TABLES).
--
-- Citus' rules this file follows (checked by packages/db/test/citus-profile.test.ts on the resulting
-- catalog): every primary key and unique constraint of a distributed table contains the distribution
-- column; foreign keys go from distributed to reference tables or between reference tables, never
-- from a reference table to a distributed one; distributed tables joined together are co-located on
-- a distribution column of one type; a partitioned table is distributed by its parent (partitions
-- follow). What it changes for Beacon:
--   * events' key becomes (site_id, id, server_timestamp). A stored row still refuses its copy, since
--     a hit's site_id and server_timestamp never change after receipt: the writer's exactly-once COPY
--     (unique_violation rolls the batch back, then storedAlready) works unchanged.
--   * sessions are unique by (site_id, session_id) instead of session_id: the writer's upsert names
--     that target (DATABASE_PROFILE=citus). A session_id that another site already used gets its own
--     row rather than being counted as a conflict.
--   * no default partition: the writer creates the monthly partitions ahead (PARTITION OF, which
--     Citus distributes with the parent); a row for a month without partition fails like any refused
--     row and lands in dead_events instead of a default partition.

-- ---- unique constraints with the distribution column
ALTER TABLE events DROP CONSTRAINT events_pkey;
ALTER TABLE events ADD PRIMARY KEY (site_id, id, server_timestamp);

ALTER TABLE sessions DROP CONSTRAINT sessions_session_id_key;
DROP INDEX IF EXISTS idx_sessions_session_id;
ALTER TABLE sessions DROP CONSTRAINT sessions_pkey;
ALTER TABLE sessions ADD PRIMARY KEY (site_id, id);
ALTER TABLE sessions ADD CONSTRAINT sessions_site_session_key UNIQUE (site_id, session_id);

-- ---- monthly partitions without a default partition
DO $$
DECLARE m TIMESTAMPTZ;
BEGIN
  -- Months that have rows in the default partition get their partition first (rows move there).
  FOR m IN SELECT DISTINCT date_trunc('month', server_timestamp AT TIME ZONE 'UTC') AT TIME ZONE 'UTC' FROM events_default LOOP
    PERFORM beacon_ensure_event_partition(m);
  END LOOP;
END $$;
DROP TABLE events_default;

CREATE OR REPLACE FUNCTION beacon_ensure_event_partition(month_start TIMESTAMPTZ) RETURNS BOOLEAN
LANGUAGE plpgsql AS $$
DECLARE
  lo    TIMESTAMPTZ := date_trunc('month', month_start AT TIME ZONE 'UTC') AT TIME ZONE 'UTC';
  hi    TIMESTAMPTZ := (date_trunc('month', month_start AT TIME ZONE 'UTC') + INTERVAL '1 month') AT TIME ZONE 'UTC';
  pname TEXT := beacon_events_partition_name(month_start);
BEGIN
  IF to_regclass(quote_ident(pname)) IS NOT NULL THEN
    RETURN FALSE;
  END IF;
  LOCK TABLE events IN SHARE UPDATE EXCLUSIVE MODE;
  IF to_regclass(quote_ident(pname)) IS NOT NULL THEN
    RETURN FALSE;
  END IF;
  -- PARTITION OF a distributed parent: Citus creates the partition's shards co-located with it.
  EXECUTE format('CREATE TABLE %I PARTITION OF events FOR VALUES FROM (%L) TO (%L)', pname, lo, hi);
  RETURN TRUE;
END $$;

-- ---- reference tables (small, joined by every query, written by the API and CLI)
SELECT create_reference_table('agencies');
SELECT create_reference_table('sites');
SELECT create_reference_table('dashboard_users');
SELECT create_reference_table('auth_sessions');
SELECT create_reference_table('auth_refresh_history');
SELECT create_reference_table('companies');
SELECT create_reference_table('agency_companies');
SELECT create_reference_table('company_ip_ranges');
SELECT create_reference_table('company_ip_range_versions');
-- a site's saved definitions (small, read with every conversions question)
SELECT create_reference_table('goals');
SELECT create_reference_table('segments');
SELECT create_reference_table('funnels');

-- ---- distributed by site_id, co-located with events
SELECT create_distributed_table('events', 'site_id');
SELECT create_distributed_table('sessions', 'site_id', colocate_with => 'events');
SELECT create_distributed_table('rollup_sessions', 'site_id', colocate_with => 'events');
SELECT create_distributed_table('rollup_names', 'site_id', colocate_with => 'events');
SELECT create_distributed_table('rollup_coverage', 'site_id', colocate_with => 'events');
SELECT create_distributed_table('rollup_days', 'site_id', colocate_with => 'events');
