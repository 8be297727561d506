import { z } from 'zod';
import { QueryInputError } from './errors.js';
import type { Params } from './params.js';
import { isTimeZone, localDayIn } from '../time-zones.js';

/**
 * Date ranges of stats questions. `from`/`to` are either calendar days (YYYY-MM-DD, both inclusive,
 * counted in the site's timezone) or instants (ISO 8601 with an offset, `to` exclusive). The previous
 * period, for comparison, is the range of the same length just before: the same number of local days
 * for day ranges, the same duration for instants.
 */
const DAY = /^\d{4}-\d{2}-\d{2}$/;
const INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?(Z|[+-]\d{2}:?\d{2})$/;
export const MAX_RANGE_DAYS = 800;

const bound = z
  .string()
  .max(40)
  .refine(
    (s) =>
      (DAY.test(s) && !Number.isNaN(Date.parse(`${s}T00:00:00Z`))) ||
      (INSTANT.test(s) && !Number.isNaN(Date.parse(s))),
    {
      message: 'expected YYYY-MM-DD or an ISO 8601 instant with offset',
    },
  );

export const rangeShape = {
  from: bound
    .optional()
    .describe(
      'First day (YYYY-MM-DD, in the site timezone) or instant (ISO 8601 with offset); default 29 days before `to`',
    ),
  to: bound.optional().describe('Last day, inclusive (YYYY-MM-DD) or instant, exclusive; default today'),
  tz: z
    .string()
    .max(64)
    .refine(isTimeZone, { message: 'unknown IANA timezone' })
    .optional()
    .describe("IANA timezone for days and buckets; default the site's config.timezone"),
};

/** A range bound: a local wall-clock time in the range's timezone, or an absolute instant. */
export type Bound = { local: string } | { instant: string };

export interface ResolvedRange {
  tz: string;
  from: Bound;
  /** Exclusive. */
  to: Bound;
  prevFrom: Bound;
  prevTo: Bound;
  /** Length in hours (for bucket limits). */
  hours: number;
}

const dayMs = 86_400_000;
const toDay = (ms: number) => new Date(ms).toISOString().slice(0, 10);
const dayMsOf = (d: string) => Date.parse(`${d}T00:00:00Z`);

export function resolveRange(
  input: { from?: string | undefined; to?: string | undefined },
  tz: string,
  now = new Date(),
): ResolvedRange {
  const fromIsDay = input.from === undefined || DAY.test(input.from);
  const toIsDay = input.to === undefined || DAY.test(input.to);
  if (fromIsDay !== toIsDay) {
    throw new QueryInputError('from and to must both be days or both be instants', {
      from: input.from,
      to: input.to,
    });
  }
  if (fromIsDay) {
    const lastDay = input.to ?? localDayIn(tz, now);
    const firstDay = input.from ?? toDay(dayMsOf(lastDay) - 29 * dayMs);
    const days = (dayMsOf(lastDay) - dayMsOf(firstDay)) / dayMs + 1;
    if (days < 1) throw new QueryInputError('from is after to', { from: firstDay, to: lastDay });
    if (days > MAX_RANGE_DAYS)
      throw new QueryInputError(`the range is longer than ${MAX_RANGE_DAYS} days`, { days });
    const end = toDay(dayMsOf(lastDay) + dayMs);
    return {
      tz,
      from: { local: firstDay },
      to: { local: end },
      prevFrom: { local: toDay(dayMsOf(firstDay) - days * dayMs) },
      prevTo: { local: firstDay },
      hours: days * 24,
    };
  }
  const a = Date.parse(input.from!);
  const b = Date.parse(input.to!);
  if (!(b > a)) throw new QueryInputError('from must be before to', { from: input.from, to: input.to });
  if (b - a > MAX_RANGE_DAYS * dayMs)
    throw new QueryInputError(`the range is longer than ${MAX_RANGE_DAYS} days`);
  return {
    tz,
    from: { instant: new Date(a).toISOString() },
    to: { instant: new Date(b).toISOString() },
    prevFrom: { instant: new Date(a - (b - a)).toISOString() },
    prevTo: { instant: new Date(a).toISOString() },
    hours: (b - a) / 3_600_000,
  };
}

/** SQL for a bound (a timestamptz expression); `tzRef` is the placeholder of the timezone. */
export function boundSql(p: Params, b: Bound, tzRef: string): string {
  return 'local' in b
    ? `(${p.add(b.local)}::timestamp AT TIME ZONE ${tzRef})`
    : `${p.add(b.instant)}::timestamptz`;
}
