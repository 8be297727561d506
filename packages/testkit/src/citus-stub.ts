import type pg from 'pg';

/**
 * Stand-ins for Citus' two table functions, for checking the citus profile on plain PostgreSQL (Citus
 * is not installable here). Same names and argument lists as Citus documents them; each records its
 * call and refuses what Citus refuses at that call (its documented rules):
 *   create_reference_table(t): t's foreign keys may point only to reference tables.
 *   create_distributed_table(t, col, ..., colocate_with): every primary key / unique index of t (and of
 *     its partitions) contains col; t's foreign keys point to reference tables, or to a distributed
 *     table co-located with t that is referenced through the distribution column on both sides;
 *     colocate_with names a distributed table whose distribution column has the same type.
 * What they cannot show: anything of Citus' planner, executor or shard placement.
 */
export const CITUS_STUB_SQL = `
CREATE SCHEMA IF NOT EXISTS citus_stub;
CREATE TABLE citus_stub.tables (
  rel regclass PRIMARY KEY, kind text NOT NULL, dist_col text, dist_type regtype, colocation regclass
);

CREATE FUNCTION citus_stub.fk_targets(t regclass)
RETURNS TABLE (target regclass, cols text[], target_cols text[]) LANGUAGE sql AS $$
  SELECT c.confrelid::regclass,
         ARRAY(SELECT a.attname::text FROM unnest(c.conkey) k JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k),
         ARRAY(SELECT a.attname::text FROM unnest(c.confkey) k JOIN pg_attribute a ON a.attrelid = c.confrelid AND a.attnum = k)
  FROM pg_constraint c WHERE c.contype = 'f' AND c.conrelid = t
$$;

CREATE FUNCTION create_reference_table(table_name regclass) RETURNS void LANGUAGE plpgsql AS $$
DECLARE f record;
BEGIN
  FOR f IN SELECT * FROM citus_stub.fk_targets(table_name) LOOP
    IF NOT EXISTS (SELECT 1 FROM citus_stub.tables WHERE rel = f.target AND kind = 'reference') THEN
      RAISE EXCEPTION 'reference table % has a foreign key to %, which is not a reference table', table_name, f.target;
    END IF;
  END LOOP;
  INSERT INTO citus_stub.tables (rel, kind) VALUES (table_name, 'reference');
END $$;

CREATE FUNCTION create_distributed_table(table_name regclass, distribution_column text,
                                         distribution_type text DEFAULT 'hash',
                                         colocate_with text DEFAULT 'default',
                                         shard_count int DEFAULT NULL) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
  f record; idx record; col_type regtype; colo regclass; other record;
BEGIN
  SELECT a.atttypid::regtype INTO col_type FROM pg_attribute a
  WHERE a.attrelid = table_name AND a.attname = distribution_column AND NOT a.attisdropped;
  IF col_type IS NULL THEN
    RAISE EXCEPTION 'column % of relation % does not exist', distribution_column, table_name;
  END IF;
  -- Unique indexes of the table and of every partition must contain the distribution column.
  FOR idx IN
    SELECT i.indexrelid::regclass AS name, i.indrelid::regclass AS rel
    FROM pg_index i
    WHERE i.indisunique AND (i.indrelid = table_name OR i.indrelid IN (SELECT inhrelid FROM pg_inherits WHERE inhparent = table_name))
      AND NOT EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = i.indrelid AND a.attnum = ANY (i.indkey) AND a.attname = distribution_column)
  LOOP
    RAISE EXCEPTION 'cannot distribute %: unique index % on % does not include the distribution column %', table_name, idx.name, idx.rel, distribution_column;
  END LOOP;
  IF colocate_with <> 'default' AND colocate_with <> 'none' THEN
    colo := colocate_with::regclass;
    SELECT * INTO other FROM citus_stub.tables WHERE rel = colo AND kind = 'distributed';
    IF NOT FOUND THEN RAISE EXCEPTION 'cannot colocate % with %: not a distributed table', table_name, colo; END IF;
    IF other.dist_type <> col_type THEN
      RAISE EXCEPTION 'cannot colocate % with %: distribution column types differ (% vs %)', table_name, colo, col_type, other.dist_type;
    END IF;
    colo := other.colocation;
  ELSE
    colo := table_name;
  END IF;
  FOR f IN SELECT * FROM citus_stub.fk_targets(table_name) LOOP
    SELECT * INTO other FROM citus_stub.tables WHERE rel = f.target;
    IF NOT FOUND THEN
      RAISE EXCEPTION 'distributed table % has a foreign key to %, which is neither a reference nor a distributed table', table_name, f.target;
    ELSIF other.kind = 'distributed' AND (other.colocation <> colo
          OR NOT (distribution_column = ANY (f.cols)) OR NOT (other.dist_col = ANY (f.target_cols))) THEN
      RAISE EXCEPTION 'foreign key from % to % must be between co-located tables on the distribution column', table_name, f.target;
    END IF;
  END LOOP;
  INSERT INTO citus_stub.tables (rel, kind, dist_col, dist_type, colocation) VALUES (table_name, 'distributed', distribution_column, col_type, colo);
END $$;
`;

export interface CitusTable {
  rel: string;
  kind: 'reference' | 'distributed';
  dist_col: string | null;
  colocation: string | null;
}

export async function installCitusStub(pool: Pick<pg.Pool, 'query'>): Promise<void> {
  await pool.query(CITUS_STUB_SQL);
}

/** What the profile distributed or made a reference table. */
export async function citusTables(pool: Pick<pg.Pool, 'query'>): Promise<CitusTable[]> {
  const { rows } = await pool.query<CitusTable>(
    `SELECT rel::text AS rel, kind, dist_col, colocation::text AS colocation FROM citus_stub.tables ORDER BY rel::text`,
  );
  return rows;
}
