import {
  encodeEnrichedJob,
  EVENT_COLUMN_NAMES,
  enrichedJobRows,
  enrichedJobSchema,
  enrichedJobV1Schema,
  enrichedJobV2Schema,
} from '@beacon/schema';

function row(over: Record<string, unknown> = {}): Record<string, unknown> {
  const r: Record<string, unknown> = Object.fromEntries(EVENT_COLUMN_NAMES.map((c) => [c, null]));
  return Object.assign(r, {
    id: '0193a000-0000-7000-8000-000000000001',
    site_id: 'site_a',
    event_name: 'page_view',
    server_timestamp: '2026-11-25T10:00:00.000Z',
    page_url: 'https://a.example/\t"x"',
    scroll_depth: 40,
    properties: { plan: 'pro', nested: { a: [1, null] } },
    ...over,
  });
}

describe('EnrichedJob versions', () => {
  test('v2 names every column once and carries the values in that order; it decodes to the v1 rows', () => {
    const rows = [row(), row({ id: '0193a000-0000-7000-8000-000000000002', page_url: null })];
    const job = encodeEnrichedJob(rows, EVENT_COLUMN_NAMES, [
      { domain: 'a.example', name: 'A', industry: null, employee_count: null, revenue: null },
    ]);
    expect(job.type).toBe('events');
    expect(job.v).toBe(2);
    expect(job.columns).toEqual([...EVENT_COLUMN_NAMES]);
    expect(job.rows[0]).toHaveLength(EVENT_COLUMN_NAMES.length);
    expect(job.rows[0]![EVENT_COLUMN_NAMES.indexOf('scroll_depth')]).toBe(40);
    // Through JSON, as BullMQ stores it.
    const parsed = enrichedJobSchema.parse(JSON.parse(JSON.stringify(job)));
    expect(enrichedJobRows(parsed)).toEqual(rows);
    expect(parsed.companies).toEqual(job.companies);
    // A v1 job of the same rows decodes to the same objects.
    const v1 = enrichedJobSchema.parse({ type: 'events', v: 1, rows });
    expect(enrichedJobRows(v1)).toEqual(rows);
    // Far fewer bytes than naming every column in every row (a job holds up to ~100 rows).
    const many = Array.from({ length: 100 }, () => row());
    const v2Bytes = JSON.stringify(encodeEnrichedJob(many)).length;
    const v1Bytes = JSON.stringify({ type: 'events', v: 1, rows: many }).length;
    expect(v2Bytes).toBeLessThan(v1Bytes * 0.6);
  });

  test('a key a row lacks is null; no companies key when there are none', () => {
    const job = encodeEnrichedJob([{ id: 'x', site_id: 's' }], ['id', 'site_id', 'city'], []);
    expect(job).toEqual({
      type: 'events',
      v: 2,
      columns: ['id', 'site_id', 'city'],
      rows: [['x', 's', null]],
    });
  });

  test('v2 decodes by the names in `columns`, whatever their order; unknown names are ignored', () => {
    const job = enrichedJobV2Schema.parse({
      type: 'events',
      v: 2,
      columns: ['site_id', 'not_a_column', '__proto__', 'id', '"]; throw 1; //\\'],
      rows: [['s', 'ignored', { polluted: true }, 'x', 'code?']],
    });
    const [decoded] = enrichedJobRows(job);
    expect(decoded).toEqual({ site_id: 's', id: 'x' });
    expect(Object.getPrototypeOf(decoded)).toBe(Object.prototype);
    expect((decoded as { polluted?: unknown }).polluted).toBeUndefined();
    // Any column name is only ever a string literal to the compiled readers.
    const odd = encodeEnrichedJob([{ '"]; throw 1; //\\': 1, id: 'x' }], ['"]; throw 1; //\\', 'id']);
    expect(odd.rows).toEqual([[1, 'x']]);
  });

  test('refuses a v2 job whose rows do not match its columns, repeated columns, and unknown versions', () => {
    const base = { type: 'events', v: 2, columns: ['id', 'site_id'] };
    const short = enrichedJobSchema.safeParse({ ...base, rows: [['x', 's'], ['y']] });
    expect(short.success).toBe(false);
    expect(JSON.stringify(short.error?.issues)).toContain('row 1 has 1 values for 2 columns');
    expect(enrichedJobSchema.safeParse({ ...base, columns: ['id', 'id'], rows: [['x', 'y']] }).success).toBe(
      false,
    );
    expect(enrichedJobSchema.safeParse({ ...base, rows: [{ id: 'x', site_id: 's' }] }).success).toBe(false);
    expect(enrichedJobSchema.safeParse({ ...base, rows: [] }).success).toBe(false);
    expect(enrichedJobSchema.safeParse({ type: 'events', v: 3, rows: [{ id: 'x' }] }).success).toBe(false);
    // v1 rows are objects, never arrays.
    expect(enrichedJobV1Schema.safeParse({ type: 'events', v: 1, rows: [['x']] }).success).toBe(false);
  });
});
