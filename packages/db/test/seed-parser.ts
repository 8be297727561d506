import { readFileSync } from 'node:fs';

/**
 * Reads the schema out of SEED.md (the original schema document, kept verbatim as a fixture): every
 * table's columns with type and constraints, and every CREATE INDEX statement. Nothing is retyped.
 */
export interface SeedColumn {
  table: string;
  name: string;
  type: string;
  constraints: string;
  description: string;
}

export interface SeedIndex {
  table: string;
  name: string;
  unique: boolean;
  columns: string;
  where: string | null;
}

export function parseSeed(path: string): { columns: SeedColumn[]; indexes: SeedIndex[] } {
  const text = readFileSync(path, 'utf8');
  const tablesPart = text.slice(text.indexOf('## Tables'), text.indexOf('## Sample Queries'));
  const columns: SeedColumn[] = [];
  const indexes: SeedIndex[] = [];
  let table = '';
  let header: string[] = [];
  for (const line of tablesPart.split('\n')) {
    const h = /^### (\w+)/.exec(line);
    if (h) {
      table = h[1]!;
      continue;
    }
    const idx = /^CREATE (UNIQUE )?INDEX (\w+) ON (\w+)\(([^)]*)\)(?: WHERE (.+?))?;/.exec(line.trim());
    if (idx) {
      indexes.push({
        table: idx[3]!,
        name: idx[2]!,
        unique: Boolean(idx[1]),
        columns: idx[4]!,
        where: idx[5] ?? null,
      });
      continue;
    }
    if (!line.startsWith('|') || !table) continue;
    const cells = line
      .split('|')
      .slice(1, -1)
      .map((c) => c.trim());
    if (cells[0] === 'Column') {
      header = cells;
      continue;
    }
    if (/^-+$/.test(cells[0] ?? '')) continue;
    const get = (name: string) => cells[header.indexOf(name)] ?? '';
    columns.push({
      table,
      name: cells[0]!,
      type: get('Type'),
      constraints: header.includes('Constraints') ? get('Constraints') : '',
      description: get('Description'),
    });
  }
  return { columns, indexes };
}

/** The PostgreSQL type a seed type becomes. TIMESTAMP is stored as timestamptz (see migration 0001). */
export function pgTypeOf(seedType: string): string {
  const t = seedType.toUpperCase();
  const varchar = /^VARCHAR\((\d+)\)$/.exec(t);
  if (varchar) return `character varying(${varchar[1]})`;
  const dec = /^DECIMAL\((\d+),(\d+)\)$/.exec(t);
  if (dec) return `numeric(${dec[1]},${dec[2]})`;
  const map: Record<string, string> = {
    UUID: 'uuid',
    TEXT: 'text',
    INTEGER: 'integer',
    BIGINT: 'bigint',
    BOOLEAN: 'boolean',
    JSONB: 'jsonb',
    TIMESTAMP: 'timestamp with time zone',
  };
  const out = map[t];
  if (!out) throw new Error(`unknown seed type ${seedType}`);
  return out;
}
