/**
 * The API's one home for IANA time zones: validity, a zone's local day, its UTC offset at an instant.
 *
 * Why the cache: building an `Intl.DateTimeFormat` makes ICU load the zone, and the CPU profile of
 * `pnpm bench api` (2026-12-03) showed `tzOffsetMinutes` and `isTimeZone`, each building one per call,
 * as the two largest self-time entries of the API process on cheap stats questions (1.05 s and 0.58 s
 * over ~1,800 requests, about 0.9 ms per request). Formatters are kept per zone and kind; only valid
 * zones get in (an invalid name throws first), so the maps are bounded by the IANA list (~600 names
 * with aliases) and need no eviction.
 */
const dayFormats = new Map<string, Intl.DateTimeFormat>();
const offsetFormats = new Map<string, Intl.DateTimeFormat>();

function cached(
  map: Map<string, Intl.DateTimeFormat>,
  tz: string,
  make: () => Intl.DateTimeFormat,
): Intl.DateTimeFormat {
  let f = map.get(tz);
  if (!f) {
    f = make();
    map.set(tz, f);
  }
  return f;
}

/** YYYY-MM-DD formatter of `tz` (en-CA writes dates that way). Throws on an unknown zone. */
function dayFormat(tz: string): Intl.DateTimeFormat {
  return cached(
    dayFormats,
    tz,
    () =>
      new Intl.DateTimeFormat('en-CA', { timeZone: tz, year: 'numeric', month: '2-digit', day: '2-digit' }),
  );
}

/** Whether `tz` is a time zone this runtime knows (IANA names and their aliases, e.g. Europe/Paris). */
export function isTimeZone(tz: string): boolean {
  try {
    dayFormat(tz);
    return true;
  } catch {
    return false;
  }
}

/** The calendar day (YYYY-MM-DD) in `tz` at instant `at`. */
export function localDayIn(tz: string, at: Date | number = new Date()): string {
  return dayFormat(tz).format(at);
}

/** The UTC offset of `tz` at instant `ms`, in minutes east of UTC (Europe/Paris in July: 120). */
export function tzOffsetMinutes(tz: string, ms: number): number {
  const name = cached(
    offsetFormats,
    tz,
    () => new Intl.DateTimeFormat('en-US', { timeZone: tz, timeZoneName: 'longOffset' }),
  )
    .formatToParts(new Date(ms))
    .find((p) => p.type === 'timeZoneName')?.value;
  const m = /GMT([+-])(\d{2}):?(\d{2})?/.exec(name ?? '');
  if (!m) return 0; // "GMT": UTC itself
  const minutes = Number(m[2]) * 60 + Number(m[3] ?? 0);
  return m[1] === '-' ? -minutes : minutes;
}
