// The view kept in the URL: date range, comparison and filters. Every analytics request is built from it.
import { navigate } from './router';

export const RANGES = [
  { id: 'today', label: 'Today' },
  { id: '7d', label: 'Last 7 days' },
  { id: '30d', label: 'Last 30 days' },
  { id: '90d', label: 'Last 90 days' },
  { id: 'custom', label: 'Custom range' },
] as const;
export type RangeId = (typeof RANGES)[number]['id'];

/** Filter parameters of the API (each a value or several, OR-ed), with the label shown on a chip. */
export const FILTERS: Record<string, string> = {
  page_path: 'Page',
  referrer_domain: 'Referrer',
  channel: 'Channel',
  utm_source: 'UTM source',
  utm_medium: 'UTM medium',
  utm_campaign: 'UTM campaign',
  utm_content: 'UTM content',
  utm_term: 'UTM term',
  country: 'Country',
  region: 'Region',
  city: 'City',
  device_type: 'Device',
  browser: 'Browser',
  os: 'OS',
  language: 'Language',
  company_name: 'Company',
  company_domain: 'Company domain',
  company_industry: 'Industry',
  visitor_type: 'Visitor type',
  event_name: 'Event',
  goal: 'Converted on goal',
  segment: 'Segment',
};

export interface View {
  range: RangeId;
  from: string;
  to: string;
  compare: boolean;
  filters: [string, string][];
}

const DAY = 86_400_000;
const ymd = (t: number) => new Date(t).toISOString().slice(0, 10);
const addDays = (day: string, n: number) => ymd(Date.parse(`${day}T00:00:00Z`) + n * DAY);
const isDay = (s: string | null): s is string => !!s && /^\d{4}-\d{2}-\d{2}$/.test(s);

/** Today's date in a timezone (YYYY-MM-DD). */
export function today(tz: string): string {
  try {
    return new Intl.DateTimeFormat('en-CA', { timeZone: tz }).format(new Date());
  } catch {
    return ymd(Date.now());
  }
}

export function readView(search: URLSearchParams, tz: string): View {
  const r = search.get('range');
  let range: RangeId = RANGES.some((x) => x.id === r) ? (r as RangeId) : '30d';
  const end = today(tz);
  let from: string;
  let to = end;
  if (range === 'custom' && isDay(search.get('from')) && isDay(search.get('to'))) {
    from = search.get('from')!;
    to = search.get('to')!;
    if (from > to) [from, to] = [to, from];
  } else {
    if (range === 'custom') range = '30d';
    const days = range === 'today' ? 1 : Number(range.slice(0, -1));
    from = addDays(end, 1 - days);
  }
  const filters: [string, string][] = [];
  for (const [k, v] of search) if (k in FILTERS) filters.push([k, v]);
  return { range, from, to, compare: search.get('compare') === '1', filters };
}

/** The period just before, of the same length (what the API compares with). */
export function previousPeriod(v: View): { from: string; to: string } {
  const days = Math.round((Date.parse(v.to) - Date.parse(v.from)) / DAY) + 1;
  return { from: addDays(v.from, -days), to: addDays(v.from, -1) };
}

export function intervalOf(v: View): 'hour' | 'day' | 'week' {
  const days = Math.round((Date.parse(v.to) - Date.parse(v.from)) / DAY) + 1;
  return days <= 2 ? 'hour' : days <= 120 ? 'day' : 'week';
}

/** Query string of an analytics request: the period and the filters (plus extra parameters). */
export function statsQuery(
  v: View,
  extra: Record<string, string | number> = {},
  period = { from: v.from, to: v.to },
): string {
  const q = new URLSearchParams({ from: period.from, to: period.to });
  for (const [k, val] of v.filters) q.append(k, val);
  for (const [k, val] of Object.entries(extra)) q.set(k, String(val));
  return q.toString();
}

/** Changes the URL's view (keeps the path): patch values of null remove the key. */
export function updateView(patch: Record<string, string | null>, opts: { path?: string } = {}): void {
  const q = new URLSearchParams(location.search);
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) q.delete(k);
    else q.set(k, v);
  }
  const s = q.toString();
  navigate(`${opts.path ?? location.pathname}${s ? `?${s}` : ''}`);
}

export function addFilter(key: string, value: string): void {
  const q = new URLSearchParams(location.search);
  if (!q.getAll(key).includes(value)) q.set(key, value);
  navigate(`${location.pathname}?${q}`);
}

export function removeFilter(key: string, value: string): void {
  const q = new URLSearchParams(location.search);
  const rest = q.getAll(key).filter((v) => v !== value);
  q.delete(key);
  for (const v of rest) q.append(key, v);
  navigate(`${location.pathname}${q.size ? `?${q}` : ''}`);
}

export function clearFilters(): void {
  const q = new URLSearchParams(location.search);
  for (const k of Object.keys(FILTERS)) q.delete(k);
  navigate(`${location.pathname}${q.size ? `?${q}` : ''}`);
}

/** The view part of the current query (range, compare, filters) to carry across pages of a site. */
export function viewQuery(search: URLSearchParams): string {
  const q = new URLSearchParams();
  for (const [k, v] of search)
    if (k in FILTERS || ['range', 'from', 'to', 'compare'].includes(k)) q.append(k, v);
  const s = q.toString();
  return s ? `?${s}` : '';
}
