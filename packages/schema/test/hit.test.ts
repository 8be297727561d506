import {
  cleanJsonValue,
  createHitSchema,
  cutText,
  DEFAULT_HIT_LIMITS,
  EVENT_COLUMN_BY_NAME,
  formatIssues,
} from '@beacon/schema';

const schema = createHitSchema();

describe('wire Hit schema', () => {
  test('every string field is cut to its events column, never refused for length', () => {
    const long = 'x'.repeat(5000);
    const r = schema.parse({
      event_name: long,
      event_id: long,
      client_id: long,
      session_id: long,
      user_id: long,
      page_title: long,
      screen_resolution: long,
      viewport_size: long,
      language: long,
    });
    for (const [k, v] of Object.entries(r)) {
      const max = EVENT_COLUMN_BY_NAME.get(k)?.max;
      expect(typeof v).toBe('string');
      expect((v as string).length).toBe(max);
    }
  });

  test('cutting never leaves half a surrogate pair', () => {
    expect(cutText('ab😀', 3)).toBe('ab');
    const r = schema.parse({ event_name: 'e', language: `${'a'.repeat(9)}😀` });
    expect(r.language).toBe('a'.repeat(9));
  });

  test('unknown and server-only fields are dropped', () => {
    const r = schema.parse({
      event_name: 'e',
      ip_address: '1.2.3.4',
      country: 'DE',
      id: 'x',
      utm_source: 'y',
      is_bounce: true,
    });
    expect(r).toEqual({ event_name: 'e' });
  });

  test('hashes must be SHA-256 hex and are lower-cased', () => {
    const h = 'A'.repeat(64);
    expect(schema.parse({ event_name: 'identify', email_hash: h }).email_hash).toBe('a'.repeat(64));
    const bad = schema.safeParse({ event_name: 'identify', phone_hash: '+49 30 1234567' });
    expect(bad.success).toBe(false);
    expect(formatIssues(bad.error!.issues)[0]).toMatch(/^phone_hash: /);
  });

  test('device_pixel_ratio is rounded to the column scale', () => {
    expect(schema.parse({ event_name: 'e', device_pixel_ratio: 2.6666 }).device_pixel_ratio).toBe(2.67);
    expect(schema.parse({ event_name: 'e', device_pixel_ratio: 9.999 }).device_pixel_ratio).toBe(9.99);
  });
});

describe('cleanJsonValue', () => {
  test('counts keys and elements over the whole value', () => {
    const ok = cleanJsonValue({ a: [1, 2, 3], b: { c: 1 } }, DEFAULT_HIT_LIMITS);
    expect(ok).toEqual({ value: { a: [1, 2, 3], b: { c: 1 } } });
    const many = cleanJsonValue({ a: Array.from({ length: 200 }, (_, i) => i) }, DEFAULT_HIT_LIMITS);
    expect(many).toEqual({ error: 'more than 100 keys and elements' });
  });

  test('depth 1 is a flat object', () => {
    const limits = { ...DEFAULT_HIT_LIMITS, jsonMaxDepth: 1 };
    expect('value' in cleanJsonValue({ a: 1, b: 'x' }, limits)).toBe(true);
    expect(cleanJsonValue({ a: { b: 1 } }, limits)).toEqual({ error: 'nested deeper than 1 levels' });
  });

  test('refuses prototype keys at any depth, even when written with escapes', () => {
    const parsed = JSON.parse('{"a":[{"__pro\\u0074o__":{"x":1}}]}') as unknown;
    expect(cleanJsonValue(parsed, DEFAULT_HIT_LIMITS)).toEqual({ error: 'key "__proto__" is not allowed' });
    expect(cleanJsonValue({ b: { prototype: 1 } }, DEFAULT_HIT_LIMITS)).toEqual({
      error: 'key "prototype" is not allowed',
    });
  });

  test('cleans and cuts strings and keys inside', () => {
    const r = cleanJsonValue(
      { 'a\u0000b': `${'y'.repeat(2000)}`, c: 'd\u0007e\ud800' },
      DEFAULT_HIT_LIMITS,
    ) as {
      value: Record<string, string>;
    };
    expect(Object.keys(r.value)).toEqual(['ab', 'c']);
    expect(r.value.ab!.length).toBe(1000);
    expect(r.value.c).toBe('de\ufffd');
  });
});
