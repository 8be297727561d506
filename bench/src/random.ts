/** Zipf-like pick: low indexes much more often (a few big pages, a long tail). */
export function pickSkewed<T>(r: () => number, items: readonly T[], skew = 2): T {
  return items[Math.floor(Math.pow(r(), skew) * items.length)]!;
}
