import { contrast, readableIn, SCHEMES } from '../src/contrast.js';

// An agency's brand colour is used as link and tab text on both colour schemes: whatever colour it
// picks, that text must read at 4.5:1 (WCAG AA) on the dashboard's backgrounds.
const BRANDS = ['#0b1f44', '#1d4ed8', '#ffd400', '#00ff00', '#ffffff', '#000000', '#e11d48', '#7c3aed'];

test.each(BRANDS)('%s as text reads at 4.5:1 on every background of both schemes', (brand) => {
  for (const scheme of ['light', 'dark'] as const) {
    const text = readableIn(brand, scheme);
    for (const bg of SCHEMES[scheme].backgrounds) expect(contrast(text, bg)).toBeGreaterThanOrEqual(4.5);
  }
});

test('a colour that already reads is kept; one that does not is moved toward the far end', () => {
  expect(readableIn('#1d4ed8', 'light')).toBe('#1d4ed8'); // Beacon's own blue on white: 6.7:1
  expect(readableIn('#0b1f44', 'light')).toBe('#0b1f44');
  const navyOnDark = readableIn('#0b1f44', 'dark');
  expect(navyOnDark).not.toBe('#0b1f44');
  expect(contrast('#0b1f44', '#171a21')).toBeLessThan(1.5); // unreadable as it was
  const yellowOnLight = readableIn('#ffd400', 'light');
  expect(contrast(yellowOnLight, '#ffffff')).toBeGreaterThanOrEqual(4.5);
  expect(contrast('#ffd400', '#ffffff')).toBeLessThan(1.5);
});

test('contrast is symmetric and spans 1 to 21', () => {
  expect(contrast('#000000', '#ffffff')).toBeCloseTo(21, 5);
  expect(contrast('#ffffff', '#000000')).toBeCloseTo(21, 5);
  expect(contrast('#777777', '#777777')).toBe(1);
});
