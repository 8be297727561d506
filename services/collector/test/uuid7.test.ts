import { uuidv7 } from '../src/uuid7.js';

test('uuidv7: RFC 9562 layout, time prefix, unique', () => {
  const now = Date.UTC(2026, 10, 25, 12, 0, 0, 123);
  const ids = Array.from({ length: 5000 }, () => uuidv7(now));
  for (const id of ids.slice(0, 50)) {
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(parseInt(id.replace(/-/g, '').slice(0, 12), 16)).toBe(now);
  }
  expect(new Set(ids).size).toBe(ids.length);
  // Later milliseconds sort after earlier ones.
  expect(uuidv7(now + 1) > uuidv7(now)).toBe(true);
});
