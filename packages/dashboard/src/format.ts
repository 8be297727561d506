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

// Every time is shown in one zone, the site's (the toolbar names it), and on a 24-hour clock.
const formats = new Map<string, Intl.DateTimeFormat>();
function formatter(tz: string, opts: Intl.DateTimeFormatOptions): Intl.DateTimeFormat {
  const key = `${tz}|${JSON.stringify(opts)}`;
  let f = formats.get(key);
  if (!f) {
    try {
      f = new Intl.DateTimeFormat('en-GB', { ...opts, timeZone: tz, hourCycle: 'h23' });
    } catch {
      f = new Intl.DateTimeFormat('en-GB', { ...opts, timeZone: 'UTC', hourCycle: 'h23' });
    }
    formats.set(key, f);
  }
  return f;
}

/** "2 Dec 2026, 14:05" in the zone. */
export function fmtTime(iso: string, tz: string): string {
  return formatter(tz, { dateStyle: 'medium', timeStyle: 'short' }).format(new Date(iso));
}

/** "14:05:09" in the zone; with the date in front when it is not the zone's today. */
export function fmtClock(iso: string, tz: string): string {
  const d = new Date(iso);
  const day = formatter(tz, { dateStyle: 'medium' });
  const clock = formatter(tz, { hour: '2-digit', minute: '2-digit', second: '2-digit' }).format(d);
  return day.format(d) === day.format(new Date()) ? clock : `${day.format(d)}, ${clock}`;
}

/** A chart point in the zone: "Tue 2 Dec, 14:00" for hours, "Tue 2 Dec 2026" for days and longer. */
export function fmtBucket(ms: number, tz: string, interval: 'hour' | 'day' | 'week' | 'month'): string {
  return interval === 'hour'
    ? formatter(tz, {
        weekday: 'short',
        day: 'numeric',
        month: 'short',
        hour: '2-digit',
        minute: '2-digit',
      }).format(ms)
    : formatter(tz, { weekday: 'short', day: 'numeric', month: 'short', year: 'numeric' }).format(ms);
}

export function countryName(code: string | null): string {
  if (!code) return '(unknown)';
  try {
    return regions?.of(code.toUpperCase()) ?? code;
  } catch {
    return code;
  }
}

/**
 * "+12.5%" / "−3%" / "none before" for a change ratio (null: previous was 0). Not "new": beside
 * "Visitors 7,099" a client read it as 7,099 new visitors. The email report says the same.
 */
export function fmtChange(c: number | null | undefined, current: number): string {
  if (c == null) return current > 0 ? 'none before' : '—';
  const s = pct.format(Math.abs(c));
  return c > 0 ? `+${s}` : c < 0 ? `−${s}` : '±0%';
}

export const fmtYesNo = (b: boolean) => (b ? 'yes' : 'no');

/** A size in bytes as people read it: 812 B, 12.4 KB (1 KB = 1024 B, as the API's limits count). */
export const fmtBytes = (n: number) =>
  n < 1024 ? `${n} B` : `${(n / 1024).toFixed(n < 10 * 1024 ? 1 : 0).replace(/\.0$/, '')} KB`;
