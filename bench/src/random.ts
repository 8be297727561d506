/** mulberry32: a small seeded PRNG, so generated data sets are the same in every run. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function pick<T>(r: () => number, items: readonly T[]): T {
  return items[Math.floor(r() * items.length)]!;
}

/** Zipf-like pick: low indexes much more often (a few big pages, a long tail). */
export function pickSkewed<T>(r: () => number, items: readonly T[], skew = 2): T {
  return items[Math.floor(Math.pow(r(), skew) * items.length)]!;
}
