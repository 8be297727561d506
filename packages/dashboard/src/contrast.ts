/**
 * A brand colour as text or lines on the dashboard's own backgrounds: WCAG 2 contrast, and the
 * nearest readable variant of a colour (mixed toward black on the light scheme, toward white on the
 * dark one) for links, current tabs and the chart's line. The brand colour itself stays the fill of
 * buttons and tags, with its own readable text (accentVars).
 */

type Rgb = [number, number, number];

const rgbOf = (hex: string): Rgb => [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16)) as Rgb;
const hexOf = (c: Rgb): string => `#${c.map((v) => Math.round(v).toString(16).padStart(2, '0')).join('')}`;
/** `a` with the weight `w` (0..1) of `b`, per sRGB channel. */
const mix = (a: Rgb, b: Rgb, w: number): Rgb => a.map((v, i) => v * (1 - w) + b[i]! * w) as Rgb;

/** WCAG relative luminance of an sRGB colour. */
export function luminance(hex: string): number {
  const [r, g, b] = rgbOf(hex).map((v) => {
    const c = v / 255;
    return c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  }) as Rgb;
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
}

/** WCAG contrast ratio of two colours (1 to 21). */
export function contrast(a: string, b: string): number {
  const [x, y] = [luminance(a), luminance(b)].sort((p, q) => q - p) as [number, number];
  return (x + 0.05) / (y + 0.05);
}

/** The dashboard's backgrounds per scheme (styles.css): the page, its panels. */
export const SCHEMES = {
  light: { backgrounds: ['#f6f7f9', '#ffffff'], toward: '#000000' },
  dark: { backgrounds: ['#0f1115', '#171a21'], toward: '#ffffff' },
} as const;

/**
 * `color`, or the first of its mixes toward the scheme's far end (5 % steps) that reads at 4.5:1 on
 * every background of the scheme and on the colour's own 15 % fill over them (a current tab).
 */
export function readableIn(color: string, scheme: keyof typeof SCHEMES): string {
  const { backgrounds, toward } = SCHEMES[scheme];
  const base = rgbOf(color);
  const grounds = backgrounds.flatMap((bg) => [bg, hexOf(mix(rgbOf(bg), base, 0.15))]);
  for (let step = 0; step <= 20; step++) {
    const c = hexOf(mix(base, rgbOf(toward), step / 20));
    if (grounds.every((g) => contrast(c, g) >= 4.5)) return c;
  }
  return toward;
}
