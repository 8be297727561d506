import { fileURLToPath } from 'node:url';
import { useTestDatabase } from '@beacon/testkit';
import { parseSeed, pgTypeOf } from './seed-parser.js';

const seed = parseSeed(fileURLToPath(new URL('./fixtures/SEED.md', import.meta.url)));
const db = useTestDatabase();

interface DbColumn {
  table_name: string;
  column_name: string;
  type: string;
  is_nullable: 'YES' | 'NO';
  column_default: string | null;
}

async function dbColumns(): Promise<Map<string, DbColumn>> {
  const { rows } = await db.pool.query<DbColumn>(`
    SELECT c.relname AS table_name, a.attname AS column_name, format_type(a.atttypid, a.atttypmod) AS type,
           CASE WHEN a.attnotnull THEN 'NO' ELSE 'YES' END AS is_nullable,
           pg_get_expr(d.adbin, d.adrelid) AS column_default
    FROM pg_attribute a
    JOIN pg_class c ON c.oid = a.attrelid
    JOIN pg_namespace n ON n.oid = c.relnamespace AND n.nspname = 'public'
    LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
    WHERE a.attnum > 0 AND NOT a.attisdropped AND c.relkind IN ('r', 'p')`);
  return new Map(rows.map((r) => [`${r.table_name}.${r.column_name}`, r]));
}

describe('migrated schema against SEED.md', () => {
  it('parses the six tables and their indexes out of the seed document', () => {
    const tables = new Set(seed.columns.map((c) => c.table));
    expect([...tables].sort()).toEqual([
      'agencies',
      'companies',
      'dashboard_users',
      'events',
      'sessions',
      'sites',
    ]);
    expect(seed.columns.filter((c) => c.table === 'events')).toHaveLength(69);
    expect(seed.indexes.length).toBeGreaterThanOrEqual(22);
  });

  it('has every seed column with the seed type', async () => {
    const cols = await dbColumns();
    const problems: string[] = [];
    for (const c of seed.columns) {
      const got = cols.get(`${c.table}.${c.name}`);
      if (!got) problems.push(`missing ${c.table}.${c.name}`);
      else if (got.type !== pgTypeOf(c.type))
        problems.push(`${c.table}.${c.name}: ${got.type} != ${pgTypeOf(c.type)}`);
    }
    expect(problems).toEqual([]);
  });

  it('applies the constraints and defaults the seed lists', async () => {
    const cols = await dbColumns();
    const { rows: uniques } = await db.pool.query<{ tbl: string; cols: string; type: string }>(`
      SELECT conrelid::regclass::text AS tbl, contype AS type,
             (SELECT string_agg(attname, ',') FROM pg_attribute WHERE attrelid = conrelid AND attnum = ANY(conkey)) AS cols
      FROM pg_constraint WHERE connamespace = 'public'::regnamespace`);
    const has = (tbl: string, type: string, col: string) =>
      uniques.some((u) => u.tbl === tbl && u.type === type && u.cols === col);
    const problems: string[] = [];
    for (const c of seed.columns) {
      const text = `${c.constraints} ${c.description}`;
      const got = cols.get(`${c.table}.${c.name}`)!;
      if (/NOT NULL/.test(c.constraints) && got.is_nullable !== 'NO')
        problems.push(`${c.table}.${c.name} should be NOT NULL`);
      if (/PRIMARY KEY/.test(text) && c.table !== 'events' && !has(c.table, 'p', c.name))
        problems.push(`${c.table}.${c.name} should be the primary key`);
      if (/\bUNIQUE\b|\(UNIQUE\)/.test(text) && !has(c.table, 'u', c.name))
        problems.push(`${c.table}.${c.name} should be UNIQUE`);
      if (/FOREIGN KEY/.test(c.constraints) && !has(c.table, 'f', c.name))
        problems.push(`${c.table}.${c.name} should be a FK`);
      const dflt = /DEFAULT (.+)$/.exec(c.constraints)?.[1];
      if (dflt) {
        const expected = dflt.replace(/^NOW\(\)$/, 'now()');
        if (!got.column_default?.startsWith(expected))
          problems.push(`${c.table}.${c.name} default ${got.column_default} != ${expected}`);
      }
    }
    expect(problems).toEqual([]);
    // The partition key must be part of the events primary key.
    expect(has('events', 'p', 'id,server_timestamp')).toBe(true);
  });

  it('has every seed index with its columns, uniqueness and predicate', async () => {
    const { rows } = await db.pool.query<{ indexname: string; tablename: string; indexdef: string }>(
      "SELECT indexname, tablename, indexdef FROM pg_indexes WHERE schemaname = 'public'",
    );
    const byName = new Map(rows.map((r) => [r.indexname, r]));
    const norm = (s: string) => s.replace(/\s+/g, '').replace(/[()]/g, '').toLowerCase();
    for (const i of seed.indexes) {
      const got = byName.get(i.name);
      expect({ name: i.name, exists: Boolean(got) }).toEqual({ name: i.name, exists: true });
      const m =
        /^CREATE (UNIQUE )?INDEX \S+ ON (?:ONLY )?public\.(\w+) USING btree \((.+?)\)(?: WHERE (.+))?$/.exec(
          got!.indexdef,
        );
      expect(m).not.toBeNull();
      expect({ name: i.name, table: m![2], unique: Boolean(m![1]), columns: norm(m![3]!) }).toEqual({
        name: i.name,
        table: i.table,
        unique: i.unique,
        columns: norm(i.columns),
      });
      if (i.where) expect(norm(m![4] ?? '')).toBe(norm(i.where));
    }
  });

  it('partitions events by range of server_timestamp, with monthly partitions and a default one', async () => {
    const { rows } = await db.pool.query<{ strategy: string; key: string }>(
      "SELECT partstrat AS strategy, pg_get_partkeydef('events'::regclass) AS key FROM pg_partitioned_table WHERE partrelid = 'events'::regclass",
    );
    expect(rows[0]).toEqual({ strategy: 'r', key: 'RANGE (server_timestamp)' });
    const { rows: parts } = await db.pool.query<{ name: string }>('SELECT name FROM beacon_event_partitions');
    expect(parts.length).toBeGreaterThanOrEqual(4);
    const { rowCount } = await db.pool.query("SELECT 1 FROM pg_class WHERE relname = 'events_default'");
    expect(rowCount).toBe(1);
  });

  it('keeps updated_at current on update', async () => {
    const { rows } = await db.pool.query<{ id: string; updated_at: Date }>(
      "INSERT INTO agencies (name, api_key, updated_at) VALUES ('a', 'x', now() - interval '1 day') RETURNING id, updated_at",
    );
    const { rows: after } = await db.pool.query<{ updated_at: Date }>(
      "UPDATE agencies SET name = 'b' WHERE id = $1 RETURNING updated_at",
      [rows[0]!.id],
    );
    expect(after[0]!.updated_at.getTime()).toBeGreaterThan(rows[0]!.updated_at.getTime() + 3_600_000);
  });
});
