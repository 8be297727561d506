const int = new Intl.NumberFormat('en-US');
const pct = new Intl.NumberFormat('en-US', { style: 'percent', maximumFractionDigits: 1 });
let regions: Intl.DisplayNames | null = null;
try {
  regions = new Intl.DisplayNames(['en'], { type: 'region' });
} catch {
  regions = null;
}

export const fmtInt = (n: number | null | undefined) => (n == null ? '—' : int.format(n));
export const fmtPct = (n: number | null | undefined) => (n == null ? '—' : pct.format(n));

export function fmtDuration(s: number | null | undefined): string {
  if (s == null) return '—';
  const t = Math.round(s);
  if (t < 60) return `${t}s`;
  const m = Math.floor(t / 60);
  if (m < 60) return `${m}m ${t % 60}s`;
  return `${Math.floor(m / 60)}h ${m % 60}m`;
}

export function fmtTime(iso: string): string {
  return new Date(iso).toLocaleString('en-GB', { dateStyle: 'medium', timeStyle: 'short' });
}

export function countryName(code: string | null): string {
  if (!code) return '(unknown)';
  try {
    return regions?.of(code.toUpperCase()) ?? code;
  } catch {
    return code;
  }
}

/** "+12.5%" / "−3%" / "new" for a change ratio (null: previous was 0). */
export function fmtChange(c: number | null | undefined, current: number): string {
  if (c == null) return current > 0 ? 'new' : '—';
  const s = pct.format(Math.abs(c));
  return c > 0 ? `+${s}` : c < 0 ? `−${s}` : '±0%';
}
