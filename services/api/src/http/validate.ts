import { z } from 'zod';
import { ValidationError } from './errors.js';

/**
 * Parses one part of a request with its zod schema; a failure is a 400 `invalid_request` naming the
 * part and every issue (path, code, message). Used by the route table for params, query and body; call
 * it yourself only for input the table does not see (e.g. a header).
 */
export function parseInput<S extends z.ZodType>(
  where: 'params' | 'query' | 'body',
  schema: S,
  value: unknown,
): z.output<S> {
  const r = schema.safeParse(value);
  if (!r.success) throw new ValidationError(where, r.error.issues);
  return r.data;
}

// Query-string building blocks. express 5 parses the query with node's querystring: every value is a
// string, or an array when the name repeats. These helpers turn that text into typed values and keep
// the OpenAPI document honest (each shows as the type it parses to).

/** A whole number from the query string, within [min, max]. */
export function qInt(min: number, max: number) {
  return z
    .string()
    .regex(/^-?\d+$/, 'must be a whole number')
    .transform(Number)
    .pipe(z.number().int().min(min).max(max))
    .meta({ type: 'integer', minimum: min, maximum: max } as Record<string, unknown>);
}

/** true/false/1/0 from the query string. */
export function qBool() {
  return z
    .enum(['true', 'false', '1', '0'])
    .transform((v) => v === 'true' || v === '1')
    .meta({ type: 'boolean' } as Record<string, unknown>);
}

/** A list given as `a,b,c` or as a repeated parameter; blanks dropped. */
export function qList<T extends z.ZodType<string, string>>(item: T, max = 50) {
  return z
    .union([z.string(), z.array(z.string())])
    .transform((v) =>
      (Array.isArray(v) ? v : [v])
        .flatMap((s) => s.split(','))
        .map((s) => s.trim())
        .filter((s) => s.length > 0),
    )
    .pipe(z.array(item).max(max));
}

/** Page size shared by every list endpoint: 1..500, default 50. */
export const limitParam = qInt(1, 500).optional().default(50);

/** An opaque cursor from a previous page's `next_cursor`. */
export const cursorParam = z.string().min(1).max(512).optional();

/** The query of a plain list: one page of it. */
export const pageQuery = z.object({ limit: limitParam, cursor: cursorParam }).strict();

export const uuidSchema = z.uuid();

/** `:siteId` in a path: the site's uuid or its script_id. */
export const siteIdParam = z
  .string()
  .min(1)
  .max(64)
  .meta({ description: "The site's id (uuid) or its script_id" });
