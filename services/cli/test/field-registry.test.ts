// The field registry (packages/schema columns.ts) against a migrated throwaway database, through the real
// derivations: the collector's hit schema, the enricher's rows and events job, the writer's job parser
// and COPY. A column added to a migration but not to the registry (or the other way round), or a
// derivation that leaves a browser field behind, fails here. Values are made from each field's wire
// check, so a new browser field is covered without a change to this file.
import { randomUUID } from 'node:crypto';
import { enrichHits, SiteCache, toEnrichedJob } from '@beacon/enricher';
import {
  BROWSER_FIELDS,
  createHitSchema,
  EVENT_COLUMN_BY_NAME,
  EVENT_COLUMN_NAMES,
  EVENT_COLUMNS,
  HIT_JSON_FIELDS,
  HIT_NUMBER_FIELDS,
  sqlTypeOf,
  wireCheckOf,
  type ColumnDef,
  type RawJob,
} from '@beacon/schema';
import { useTestDatabase } from '@beacon/testkit';
import { encodeCopyLine, parseEventsJob, storeBatch } from '@beacon/writer';

const db = useTestDatabase();
const SITE = 'site_registry';

beforeAll(async () => {
  const { rows } = await db.pool.query<{ id: string }>(
    `INSERT INTO agencies (name, api_key) VALUES ('a', 'x') RETURNING id`,
  );
  await db.pool.query(
    `INSERT INTO sites (agency_id, name, domain, script_id, config) VALUES ($1, 'r', 'r.example', $2, '{}')`,
    [rows[0]!.id, SITE],
  );
});

/** A valid wire value of a browser field, from its check (distinct per field where the type allows). */
function sample(col: ColumnDef, i: number): unknown {
  switch (wireCheckOf(col)) {
    case 'text':
      if (col.name === 'event_name') return 'registry_check';
      return col.type === 'text' ? `https://r.example/${col.name}` : `${i}-${col.name}`.slice(0, col.max);
    case 'count':
      return 1000 + i;
    case 'percent':
      return 40 + (i % 60);
    case 'epoch_ms':
      return 1_767_225_600_000 + i;
    case 'sha256':
      return i.toString(16).padStart(2, '0').repeat(32);
    case 'positive':
      return 1.25;
    case 'object':
      return { field: col.name, n: i };
  }
}

test('the registry is the events table: names, order, types, NOT NULL', async () => {
  const { rows } = await db.pool.query<{ name: string; type: string; notnull: boolean }>(`
    SELECT attname AS name, format_type(atttypid, atttypmod) AS type, attnotnull AS notnull FROM pg_attribute
    WHERE attrelid = 'events'::regclass AND attnum > 0 AND NOT attisdropped ORDER BY attnum`);
  expect(rows).toEqual(
    EVENT_COLUMNS.map((c: ColumnDef) => ({ name: c.name, type: sqlTypeOf(c), notnull: c.notNull === true })),
  );
});

test('the hit schema takes exactly the browser fields; the pixel converts their numbers and JSON', () => {
  const browserCols = EVENT_COLUMNS.filter((c: ColumnDef) => c.source === 'browser');
  const hit = Object.fromEntries(
    EVENT_COLUMN_NAMES.map((name, i) => [name, sample(EVENT_COLUMN_BY_NAME.get(name)!, i)]),
  );
  const parsed = createHitSchema().parse(hit);
  expect(Object.keys(parsed).sort()).toEqual([...BROWSER_FIELDS].sort());
  expect(BROWSER_FIELDS).toEqual(browserCols.map((c) => c.name));
  const numeric = browserCols.filter((c) => typeof sample(c, 0) === 'number').map((c) => c.name);
  const json = browserCols.filter((c) => c.type === 'jsonb').map((c) => c.name);
  expect([...HIT_NUMBER_FIELDS].sort()).toEqual(numeric.sort());
  expect([...HIT_JSON_FIELDS].sort()).toEqual(json.sort());
});

test('a hit carrying every browser field is stored in events with each value, through enricher and writer', async () => {
  const values = Object.fromEntries(
    EVENT_COLUMNS.filter((c: ColumnDef) => c.source === 'browser').map((c, i) => [c.name, sample(c, i)]),
  );
  const wire = createHitSchema().parse(values);
  const id = randomUUID();
  const job: RawJob = {
    type: 'raw',
    v: 1,
    requests: [
      {
        site_id: SITE,
        ip: null,
        user_agent: 'registry-test',
        client_hints: {},
        hits: [{ id, server_timestamp: '2026-01-02T03:04:05.000Z', ...wire }],
      },
    ],
  };
  // No steps: the row is the hit's fields plus what the collector stamped, every other column null.
  const out = await enrichHits(job, 'registry-job', new SiteCache(db.pool, 60_000), []);
  expect(out.dead).toEqual([]);
  expect(out.kept).toHaveLength(1);
  const events = toEnrichedJob(out.kept.map((k) => k.row));
  const parsed = parseEventsJob(JSON.parse(JSON.stringify(events)));
  if (!parsed.success) throw parsed.error;
  expect(encodeCopyLine(parsed.data.rows[0]!).split('\t')).toHaveLength(EVENT_COLUMNS.length);
  const stored = await storeBatch(db.pool, parsed.data.rows, [], { rollups: false, health: false });
  expect([stored.inserted, stored.dead]).toEqual([1, []]);

  const { rows } = await db.pool.query<Record<string, unknown>>(
    `SELECT ${BROWSER_FIELDS.map((f) => `"${f}"`).join(', ')} FROM events WHERE id = $1`,
    [id],
  );
  // node-pg reads numeric (and, without packages/db's parser, int8) as text; the rest as the hit had it.
  const asText = new Set(['decimal', 'bigint']);
  const back = Object.fromEntries(
    Object.entries(rows[0]!).map(([k, v]) => [
      k,
      asText.has(EVENT_COLUMN_BY_NAME.get(k)!.type) ? Number(v) : v,
    ]),
  );
  expect(back).toEqual(wire);
});
