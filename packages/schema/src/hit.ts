import { z } from 'zod';
import { fitToColumn, type EventColumnName } from './columns.js';
import { cleanText } from './text.js';

/**
 * The Hit wire format (DESIGN.md "Wire format"): what the tracker sends, field names = events columns.
 * Strings are cleaned (NUL and control characters removed, lone surrogates replaced) and cut to their
 * column's length instead of being rejected, so nothing accepted can later break COPY. Fields that only
 * the server sets (id, server_timestamp, ip, device, geo, company, utm_*, ...) are not part of the
 * schema and are dropped when a client sends them (zod strips unknown keys).
 */

export interface HitLimits {
  /** Cut for text columns without a length (page_url, referrer), in characters. */
  readonly textMax: number;
  /** Nesting depth allowed in properties / ecommerce_data / lead_data (1 = flat object). */
  readonly jsonMaxDepth: number;
  /** Keys and array elements counted over the whole value of each of those fields. */
  readonly jsonMaxKeys: number;
  /** Cut for strings (and keys) inside those JSON values, in characters. */
  readonly jsonStringMax: number;
}

export const DEFAULT_HIT_LIMITS: HitLimits = {
  textMax: 8192,
  jsonMaxDepth: 5,
  jsonMaxKeys: 100,
  jsonStringMax: 1000,
};

/** Keys that could pollute prototypes when a later stage merges objects; refused anywhere in a hit. */
export const FORBIDDEN_KEYS: ReadonlySet<string> = new Set(['__proto__', 'constructor', 'prototype']);

const INT4_MAX = 2_147_483_647;

/** A string cleaned and cut to the events column of the same name. */
const col = (name: EventColumnName) => z.string().transform((v) => fitToColumn(name, cleanText(v)));
const cut = (max: number) => z.string().transform((v) => cutText(cleanText(v), max));
const count = z.number().int().min(0).max(INT4_MAX);
/** SHA-256 hex, as the tracker's identify() sends it; raw emails or phones never belong here. */
const sha256 = z
  .string()
  .regex(/^[0-9a-fA-F]{64}$/, 'must be a SHA-256 hex digest (hash in the browser, never send raw values)')
  .transform((v) => v.toLowerCase());

/** Cuts to `max` characters without leaving half a surrogate pair. */
export function cutText(value: string, max: number): string {
  if (value.length <= max) return value;
  let out = value.slice(0, max);
  const last = out.charCodeAt(out.length - 1);
  if (last >= 0xd800 && last <= 0xdbff) out = out.slice(0, -1);
  return out;
}

/**
 * Checks a JSON value from a client (depth, key count, prototype keys) and returns a cleaned copy
 * (strings and keys cleaned and cut). Iterates at most `jsonMaxKeys` entries, so a hostile value costs
 * little. Returns an error message instead of throwing.
 */
export function cleanJsonValue(
  value: unknown,
  limits: HitLimits,
): { value: Record<string, unknown> } | { error: string } {
  if (value === null || typeof value !== 'object' || Array.isArray(value))
    return { error: 'must be a JSON object' };
  let keys = 0;
  const walk = (v: unknown, depth: number): unknown => {
    if (typeof v === 'string') return cutText(cleanText(v), limits.jsonStringMax);
    if (v === null || typeof v !== 'object') return v;
    if (depth > limits.jsonMaxDepth)
      throw new JsonLimitError(`nested deeper than ${limits.jsonMaxDepth} levels`);
    if (Array.isArray(v)) {
      keys += v.length;
      if (keys > limits.jsonMaxKeys)
        throw new JsonLimitError(`more than ${limits.jsonMaxKeys} keys and elements`);
      return v.map((x) => walk(x, depth + 1));
    }
    const names = Object.keys(v);
    keys += names.length;
    if (keys > limits.jsonMaxKeys)
      throw new JsonLimitError(`more than ${limits.jsonMaxKeys} keys and elements`);
    const out: Record<string, unknown> = {};
    for (const k of names) {
      if (FORBIDDEN_KEYS.has(k)) throw new JsonLimitError(`key "${k}" is not allowed`);
      out[cutText(cleanText(k), limits.jsonStringMax)] = walk((v as Record<string, unknown>)[k], depth + 1);
    }
    return out;
  };
  try {
    return { value: walk(value, 1) as Record<string, unknown> };
  } catch (err) {
    if (err instanceof JsonLimitError) return { error: err.message };
    throw err;
  }
}

class JsonLimitError extends Error {
  override readonly name = 'JsonLimitError';
}

/** Builds the wire Hit schema for the given limits (built once per collector, reused per hit). */
export function createHitSchema(limits: HitLimits = DEFAULT_HIT_LIMITS) {
  const json = z.unknown().transform((v, ctx) => {
    const r = cleanJsonValue(v, limits);
    if ('error' in r) {
      ctx.addIssue({ code: 'custom', message: r.error });
      return z.NEVER;
    }
    return r.value;
  });
  return z
    .object({
      event_name: z
        .string()
        .transform((v) => fitToColumn('event_name', cleanText(v)).trim())
        .refine((v) => v.length > 0, 'must not be empty'),
      event_id: col('event_id').optional(),
      /** Client clock in ms since the epoch (informational; server_timestamp is authoritative). */
      timestamp: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER).optional(),
      client_id: col('client_id').optional(),
      session_id: col('session_id').optional(),
      session_number: count.optional(),
      user_id: col('user_id').optional(),
      email_hash: sha256.optional(),
      phone_hash: sha256.optional(),
      page_url: cut(limits.textMax).optional(),
      page_title: col('page_title').optional(),
      referrer: cut(limits.textMax).optional(),
      screen_resolution: col('screen_resolution').optional(),
      viewport_size: col('viewport_size').optional(),
      /** decimal(3,2): 0 < dpr < 10, rounded to 2 places. */
      device_pixel_ratio: z
        .number()
        .gt(0)
        .lt(10)
        .transform((v) => Math.min(9.99, Math.round(v * 100) / 100))
        .optional(),
      language: col('language').optional(),
      time_on_page: count.optional(),
      scroll_depth: z.number().int().min(0).max(100).optional(),
      clicks: count.optional(),
      form_submits: count.optional(),
      video_plays: count.optional(),
      file_downloads: count.optional(),
      ecommerce_data: json.optional(),
      lead_data: json.optional(),
      properties: json.optional(),
    })
    .superRefine((hit, ctx) => {
      if (hit.event_name === 'page_view' && !hit.page_url) {
        ctx.addIssue({ code: 'custom', path: ['page_url'], message: 'is required for page_view' });
      } else if (hit.page_url && !URL.canParse(hit.page_url)) {
        ctx.addIssue({ code: 'custom', path: ['page_url'], message: 'must be an absolute URL' });
      }
    });
}

export type HitSchema = ReturnType<typeof createHitSchema>;
/** A validated, cleaned wire hit (before the collector stamps id and server_timestamp). */
export type WireHit = z.output<HitSchema>;

/** Wire fields that are numbers (the pixel receives them as query-string text). */
export const HIT_NUMBER_FIELDS: ReadonlySet<string> = new Set([
  'timestamp',
  'session_number',
  'device_pixel_ratio',
  'time_on_page',
  'scroll_depth',
  'clicks',
  'form_submits',
  'video_plays',
  'file_downloads',
]);

/** Wire fields that are JSON objects (the pixel receives them as JSON text). */
export const HIT_JSON_FIELDS: ReadonlySet<string> = new Set(['ecommerce_data', 'lead_data', 'properties']);

/** zod issues as short "field: message" lines for the client. */
export function formatIssues(issues: readonly z.core.$ZodIssue[]): string[] {
  return issues.map((i) => (i.path.length ? `${i.path.join('.')}: ${i.message}` : i.message));
}
