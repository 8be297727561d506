-- Monthly partitions of events: named events_YYYY_MM, bounds at 00:00 UTC on the first of the month.

-- The partition name of the month holding `ts` (UTC).
CREATE FUNCTION beacon_events_partition_name(ts TIMESTAMPTZ) RETURNS TEXT
LANGUAGE sql IMMUTABLE AS $$
  SELECT 'events_' || to_char(ts AT TIME ZONE 'UTC', 'YYYY_MM')
$$;

-- Creates the partition of the month holding `month_start` if it is missing. Rows of that month that
-- fell into events_default meanwhile are moved into the new partition in the same transaction, so a
-- late partition never loses or hides data. Returns true when it created the partition.
CREATE FUNCTION beacon_ensure_event_partition(month_start TIMESTAMPTZ) RETURNS BOOLEAN
LANGUAGE plpgsql AS $$
DECLARE
  lo    TIMESTAMPTZ := date_trunc('month', month_start AT TIME ZONE 'UTC') AT TIME ZONE 'UTC';
  hi    TIMESTAMPTZ := (date_trunc('month', month_start AT TIME ZONE 'UTC') + INTERVAL '1 month') AT TIME ZONE 'UTC';
  pname TEXT := beacon_events_partition_name(month_start);
  moved BIGINT;
BEGIN
  IF to_regclass(quote_ident(pname)) IS NOT NULL THEN
    RETURN FALSE;
  END IF;
  -- Serialise creators (the writer and the CLI may both run this at once). SHARE UPDATE EXCLUSIVE
  -- conflicts with itself but not with the ROW EXCLUSIVE of inserts, so ingestion goes on; taking a
  -- relation lock also makes this session see a partition the other creator just committed.
  LOCK TABLE events IN SHARE UPDATE EXCLUSIVE MODE;
  IF to_regclass(quote_ident(pname)) IS NOT NULL THEN
    RETURN FALSE;
  END IF;
  EXECUTE format('CREATE TABLE %I (LIKE events INCLUDING DEFAULTS INCLUDING CONSTRAINTS)', pname);
  EXECUTE format(
    'WITH moved AS (DELETE FROM events_default WHERE server_timestamp >= %L AND server_timestamp < %L RETURNING *)
     INSERT INTO %I SELECT * FROM moved', lo, hi, pname);
  GET DIAGNOSTICS moved = ROW_COUNT;
  -- The CHECK lets ATTACH skip scanning the new table; the default partition is scanned and must now
  -- hold no row of this range (just moved out).
  EXECUTE format('ALTER TABLE %I ADD CONSTRAINT %I CHECK (server_timestamp >= %L AND server_timestamp < %L)',
                 pname, pname || '_range', lo, hi);
  EXECUTE format('ALTER TABLE events ATTACH PARTITION %I FOR VALUES FROM (%L) TO (%L)', pname, lo, hi);
  EXECUTE format('ALTER TABLE %I DROP CONSTRAINT %I', pname, pname || '_range');
  IF moved > 0 THEN
    RAISE NOTICE 'moved % rows from events_default into %', moved, pname;
  END IF;
  RETURN TRUE;
END $$;

-- Ensures the partitions from the month of `from_ts` through `months_ahead` months after it.
-- Returns the names of the partitions it created.
CREATE FUNCTION beacon_ensure_event_partitions(from_ts TIMESTAMPTZ, months_ahead INT)
RETURNS SETOF TEXT LANGUAGE plpgsql AS $$
DECLARE
  i INT;
  m TIMESTAMPTZ;
BEGIN
  FOR i IN 0..months_ahead LOOP
    m := ((date_trunc('month', from_ts AT TIME ZONE 'UTC') + make_interval(months => i)) AT TIME ZONE 'UTC');
    IF beacon_ensure_event_partition(m) THEN
      RETURN NEXT beacon_events_partition_name(m);
    END IF;
  END LOOP;
END $$;

-- The monthly partitions of events with their bounds (the default partition excluded).
CREATE VIEW beacon_event_partitions AS
SELECT c.relname::TEXT AS name,
       (regexp_match(pg_get_expr(c.relpartbound, c.oid), 'FROM \(''([^'']+)''\)'))[1]::TIMESTAMPTZ AS range_start,
       (regexp_match(pg_get_expr(c.relpartbound, c.oid), 'TO \(''([^'']+)''\)'))[1]::TIMESTAMPTZ AS range_end
FROM pg_inherits i
JOIN pg_class c ON c.oid = i.inhrelid
WHERE i.inhparent = 'events'::regclass
  AND pg_get_expr(c.relpartbound, c.oid) <> 'DEFAULT';

-- The first partitions exist as soon as the schema does.
SELECT beacon_ensure_event_partitions(now(), 3);
