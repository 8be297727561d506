/**
 * Counts by key held in memory and written in one statement: hot paths add to a Map, never run a
 * statement per event. `take()` empties the tally for a flush; `restore()` puts counts back when the
 * flush failed, so they go with the next one. Keys are tab-joined fields (see the subclasses).
 */
export class CountTally {
  private counts = new Map<string, number>();

  protected addKey(key: string, n: number): void {
    if (n <= 0) return;
    this.counts.set(key, (this.counts.get(key) ?? 0) + n);
  }

  get size(): number {
    return this.counts.size;
  }

  take(): Map<string, number> {
    const out = this.counts;
    this.counts = new Map();
    return out;
  }

  restore(counts: Map<string, number>): void {
    for (const [k, n] of counts) this.counts.set(k, (this.counts.get(k) ?? 0) + n);
  }

  /** Writes and clears the counts by `write`; on failure they stay for the next flush and it throws. */
  protected async flushWith(write: (counts: Map<string, number>) => Promise<unknown>): Promise<void> {
    if (this.counts.size === 0) return;
    const counts = this.take();
    try {
      await write(counts);
    } catch (err) {
      this.restore(counts);
      throw err;
    }
  }
}
