-- Goals from rollups without reading every rollup_names row of the range (docs/conversions.md "Speed"):
-- a goal's page pattern (a regular expression) or event name is matched once per distinct name of the
-- site, in this dictionary, and only the matching names' rows of the range are read, through the
-- index below. The writer adds new names in the transaction that rolls them up (applyRollups); rows
-- are never deleted (a name whose hourly rows were compacted away matches nothing in the range).
CREATE TABLE rollup_name_dict (
  site_id  VARCHAR(50) NOT NULL,
  kind     SMALLINT    NOT NULL CHECK (kind IN (1, 2)),  -- as rollup_names.kind
  name_key BIGINT      NOT NULL,                         -- as rollup_names.name_key
  name     TEXT,
  PRIMARY KEY (site_id, kind, name_key)
);

INSERT INTO rollup_name_dict (site_id, kind, name_key, name)
SELECT DISTINCT ON (site_id, kind, name_key) site_id, kind, name_key, name
FROM rollup_names
ORDER BY site_id, kind, name_key;

-- One name's rows of a range, read index-only (the visitor and session keys and the count are here).
CREATE INDEX rollup_names_by_name ON rollup_names (site_id, kind, name_key, hour)
  INCLUDE (session_key, visitor_key, count);
