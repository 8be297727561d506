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

/** Characters cleanText would change (control characters, surrogates); most strings have none. */
const NEEDS_CLEANING = /[\u0000-\u001f\u007f-\u009f\ud800-\udfff]/;
/** cleanText with a fast path: one test() instead of two replace() for clean strings (the hot path). */
export const clean = (v: string): string => (NEEDS_CLEANING.test(v) ? cleanText(v) : v);

const count = z.number().int().min(0).max(INT4_MAX);
/** SHA-256 hex, as the tracker's identify() sends it; raw emails or phones never belong here. */
const sha256 = z
  .string()
  .regex(/^[0-9a-fA-F]{64}$/, 'must be a SHA-256 hex digest (hash in the browser, never send raw values)');

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
    if (typeof v === 'string') return cutText(clean(v), limits.jsonStringMax);
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
      out[cutText(clean(k), limits.jsonStringMax)] = walk((v as Record<string, unknown>)[k], depth + 1);
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
  // Lean on purpose (the collector runs this per hit): zod checks types and ranges with plain
  // checks only; cleaning and cutting happen in one pass afterwards (3x cheaper than a transform
  // per field, measured with zod 4).
  const str = z.string().optional();
  const json = z.unknown().optional();
  return z
    .object({
      event_name: z.string(),
      event_id: str,
      /** Client clock in ms since the epoch (informational; server_timestamp is authoritative). */
      timestamp: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER).optional(),
      client_id: str,
      session_id: str,
      session_number: count.optional(),
      user_id: str,
      email_hash: sha256.optional(),
      phone_hash: sha256.optional(),
      page_url: str,
      page_title: str,
      referrer: str,
      screen_resolution: str,
      viewport_size: str,
      /** decimal(3,2): 0 < dpr < 10, rounded to 2 places below. */
      device_pixel_ratio: z.number().gt(0).lt(10).optional(),
      language: str,
      time_on_page: count.optional(),
      scroll_depth: z.number().int().min(0).max(100).optional(),
      clicks: count.optional(),
      form_submits: count.optional(),
      video_plays: count.optional(),
      file_downloads: count.optional(),
      ecommerce_data: json,
      lead_data: json,
      properties: json,
    })
    .transform((hit, ctx) => {
      const fail = (path: string, message: string) => {
        ctx.issues.push({ code: 'custom', path: [path], message, input: hit });
        return z.NEVER;
      };
      for (const name of COLUMN_STRINGS) {
        const v = hit[name];
        if (v !== undefined) hit[name] = fitToColumn(name, clean(v));
      }
      hit.event_name = hit.event_name.trim();
      if (hit.event_name.length === 0) return fail('event_name', 'must not be empty');
      if (hit.page_url !== undefined) hit.page_url = cutText(clean(hit.page_url), limits.textMax);
      if (hit.referrer !== undefined) hit.referrer = cutText(clean(hit.referrer), limits.textMax);
      if (hit.email_hash !== undefined) hit.email_hash = hit.email_hash.toLowerCase();
      if (hit.phone_hash !== undefined) hit.phone_hash = hit.phone_hash.toLowerCase();
      if (hit.device_pixel_ratio !== undefined) {
        hit.device_pixel_ratio = Math.min(9.99, Math.round(hit.device_pixel_ratio * 100) / 100);
      }
      for (const name of JSON_FIELDS) {
        const v = hit[name];
        if (v === undefined) continue;
        const r = cleanJsonValue(v, limits);
        if ('error' in r) return fail(name, r.error);
        hit[name] = r.value;
      }
      if (hit.event_name === 'page_view' && !hit.page_url)
        return fail('page_url', 'is required for page_view');
      if (hit.page_url && !URL.canParse(hit.page_url)) return fail('page_url', 'must be an absolute URL');
      return hit as Omit<typeof hit, JsonField> & { [K in JsonField]?: Record<string, unknown> };
    });
}

/** Wire strings cut to their events column (page_url and referrer, text columns, use limits.textMax). */
const COLUMN_STRINGS = [
  'event_name',
  'event_id',
  'client_id',
  'session_id',
  'user_id',
  'page_title',
  'screen_resolution',
  'viewport_size',
  'language',
] as const satisfies readonly EventColumnName[];

type JsonField = 'ecommerce_data' | 'lead_data' | 'properties';
const JSON_FIELDS: readonly JsonField[] = ['ecommerce_data', 'lead_data', 'properties'];

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
