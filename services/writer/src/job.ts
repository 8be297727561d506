import { z } from 'zod';
import { enrichedJobSchema, type EnrichedJob } from '@beacon/schema';

const isRow = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * The EnrichedJob contract as the writer checks it: the envelope and the companies in full, each row
 * only as "an object". Checking 73 keys of every row with zod costs more than encoding it (~15 µs a
 * row); a wrong value in a row is refused by PostgreSQL instead and dead-lettered with its SQLSTATE.
 */
const writerJobSchema = enrichedJobSchema.extend({
  rows: z.array(z.custom<Record<string, unknown>>(isRow, 'each row must be an object')).min(1),
});

export function parseEventsJob(
  data: unknown,
): { success: true; data: EnrichedJob } | { success: false; error: z.ZodError } {
  return writerJobSchema.safeParse(data) as
    { success: true; data: EnrichedJob } | { success: false; error: z.ZodError };
}
