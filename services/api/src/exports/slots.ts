/**
 * Running CSV exports of this API process, bounded per agency and in total. Each export holds a pooled
 * connection for its whole download, so the bound is per process, like the pool it protects: one
 * agency cannot take more than its share, and all exports together leave the pool to the dashboards.
 */
export class ExportSlots {
  private total = 0;
  private readonly byAgency = new Map<string, number>();

  constructor(
    private readonly perAgency: number,
    private readonly maxTotal: number,
  ) {}

  /** A release function, or null when the agency (or the process) is at its limit. */
  tryAcquire(agencyId: string): (() => void) | null {
    const mine = this.byAgency.get(agencyId) ?? 0;
    if (mine >= this.perAgency || this.total >= this.maxTotal) return null;
    this.byAgency.set(agencyId, mine + 1);
    this.total++;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.total--;
      const left = (this.byAgency.get(agencyId) ?? 1) - 1;
      if (left > 0) this.byAgency.set(agencyId, left);
      else this.byAgency.delete(agencyId);
    };
  }

  running(): number {
    return this.total;
  }
}
