// Small helpers of the conversions pages.

/** An amount in a currency, or a dash. */
export const money = (n: number | null | undefined, currency: string) =>
  n == null ? '—' : new Intl.NumberFormat(undefined, { style: 'currency', currency }).format(n);

/** The view's query string (`keep`) with one parameter set: a link to the overview narrowed by it. */
export function withParam(keep: string, key: string, value: string): string {
  const q = new URLSearchParams(keep.slice(1));
  q.set(key, value);
  return `?${q}`;
}
