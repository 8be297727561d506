import { fmtChange } from '../src/format.js';

// The change line under each headline figure: a client reads it beside the number, so a figure with
// nothing to compare with must not read like a count ("7,099 new" read as 7,099 new visitors).
test('change against the previous period', () => {
  expect(fmtChange(0.125, 9)).toBe('+12.5%');
  expect(fmtChange(-0.03, 9)).toBe('−3%');
  expect(fmtChange(0, 9)).toBe('±0%');
  expect(fmtChange(null, 7099)).toBe('none before');
  expect(fmtChange(null, 0)).toBe('—');
});
