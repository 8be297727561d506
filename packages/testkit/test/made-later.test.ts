import { fieldsReadLater, madeBy } from '../src/index.js';

// What a beforeAll makes is handed out before it exists: fields read late, and an error (not undefined)
// when read before it is made.

test('fields read the made value each time they are read, not when they are handed out', () => {
  let made: { n: number; s: string } | undefined;
  const fields = fieldsReadLater(() => madeBy('fixture', 'thing', made), ['n']);
  expect(() => fields.n).toThrow('fixture: no thing (made in beforeAll, if asked for)');
  made = { n: 1, s: 'a' };
  expect(fields.n).toBe(1);
  made = { n: 2, s: 'b' };
  expect(fields.n).toBe(2);
  expect(Object.keys(fields)).toEqual(['n']);
});

test('madeBy answers what was made, falsy values too', () => {
  expect(madeBy('fixture', 'count', 0)).toBe(0);
  expect(madeBy('fixture', 'name', '')).toBe('');
  expect(() => madeBy('fixture', 'name', undefined)).toThrow(/read it in a hook or test/);
});
