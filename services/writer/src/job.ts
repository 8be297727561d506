import { z } from 'zod';
import {
  enrichedCompanySchema,
  enrichedJobRows,
  enrichedJobV2Issue,
  type EnrichedCompany,
  type EnrichedJob,
  type UncheckedEventRow,
} from '@beacon/schema';

const isRow = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * The EnrichedJob contract (both versions) as the writer checks it: the envelope, the column names and
 * the companies in full, each row only as "an object" (v1) or "an array of one value per column" (v2).
 * Checking 73 values of every row with zod costs more than encoding it (~15 µs a row); a wrong value in
 * a row is refused by PostgreSQL instead and dead-lettered with its SQLSTATE.
 */
const writerJobSchema = z.discriminatedUnion('v', [
  z.object({
    type: z.literal('events'),
    v: z.literal(1),
    rows: z.array(z.custom<Record<string, unknown>>(isRow, 'each row must be an object')).min(1),
    companies: z.array(enrichedCompanySchema).optional(),
  }),
  z
    .object({
      type: z.literal('events'),
      v: z.literal(2),
      columns: z.array(z.string().min(1)).min(1),
      rows: z.array(z.custom<unknown[]>((v) => Array.isArray(v), 'each row must be an array')).min(1),
      companies: z.array(enrichedCompanySchema).optional(),
    })
    .check((ctx) => {
      const issue = enrichedJobV2Issue(ctx.value);
      if (issue)
        ctx.issues.push({ code: 'custom', message: issue.message, input: ctx.value, path: issue.path });
    }),
]);

/** An events job as the loader stores it: rows as objects keyed by column name, whatever the version. */
export interface EventsJob {
  readonly v: 1 | 2;
  readonly rows: UncheckedEventRow[];
  readonly companies?: EnrichedCompany[] | undefined;
}

export function parseEventsJob(
  data: unknown,
): { success: true; data: EventsJob } | { success: false; error: z.ZodError } {
  const parsed = writerJobSchema.safeParse(data);
  if (!parsed.success) return { success: false, error: parsed.error };
  const job = parsed.data as EnrichedJob;
  return { success: true, data: { v: job.v, rows: enrichedJobRows(job), companies: job.companies } };
}
