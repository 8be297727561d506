import { z } from 'zod';
import {
  EVENT_COLUMNS,
  fitToColumn,
  wireCheckOf,
  type ColumnDef,
  type EventColumnName,
  type WireCheck,
  type WireFields,
} from './columns.js';
import { cleanText, cutText } from './text.js';

export { cutText };

/**
 * The Hit wire format (DESIGN.md "Wire format"): what the tracker sends, field names = events columns,
 * one field per `browser` line of the field registry (columns.ts), checked as its `wire` says.
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

/** A browser field's zod check: types and ranges only (cleaning and cutting happen in one pass after). */
function wireType(col: ColumnDef): z.ZodType {
  switch (wireCheckOf(col)) {
    case 'text':
      return z.string();
    case 'count':
      return count;
    case 'percent':
      return z.number().int().min(0).max(100);
    case 'epoch_ms':
      /** Client clock in ms since the epoch (informational; server_timestamp is authoritative). */
      return z.number().int().min(0).max(Number.MAX_SAFE_INTEGER);
    case 'sha256':
      return sha256;
    case 'positive':
      return z
        .number()
        .gt(0)
        .lt(10 ** (col.max! - col.scale!));
    case 'object':
      return z.unknown();
  }
}

const WIRE_COLUMNS: readonly ColumnDef[] = EVENT_COLUMNS.filter((col) => col.source === 'browser');
const wireWhere = (keep: (col: ColumnDef, check: WireCheck) => boolean) =>
  WIRE_COLUMNS.filter((col) => keep(col, wireCheckOf(col)));

/** Wire strings cut to their varchar column. */
const COLUMN_STRINGS = wireWhere((c, check) => check === 'text' && c.type === 'varchar').map(
  (c) => c.name as EventColumnName,
);
/** Wire strings of text columns (page_url, referrer): cut to limits.textMax. */
const LONG_STRINGS = wireWhere((c, check) => check === 'text' && c.type === 'text').map((c) => c.name);
/** Required strings (event_name): trimmed, must not be empty. */
const REQUIRED_STRINGS = wireWhere((c, check) => check === 'text' && c.notNull === true).map((c) => c.name);
const HASHES = wireWhere((_c, check) => check === 'sha256').map((c) => c.name);
/** Decimals rounded to their scale, at most the largest value the column holds (decimal(3,2): 9.99). */
const DECIMALS = wireWhere((_c, check) => check === 'positive').map((c) => ({
  name: c.name,
  unit: 10 ** c.scale!,
  top: (10 ** c.max! - 1) / 10 ** c.scale!,
}));
const JSON_FIELDS = wireWhere((_c, check) => check === 'object').map((c) => c.name);

/**
 * Builds the wire Hit schema for the given limits (built once per collector, reused per hit): one key
 * per browser field of the registry (columns.ts), required when its column is NOT NULL.
 */
export function createHitSchema(limits: HitLimits = DEFAULT_HIT_LIMITS): z.ZodType<WireHit, unknown> {
  // Lean on purpose (the collector runs this per hit): zod checks types and ranges with plain
  // checks only; cleaning and cutting happen in one pass afterwards (3x cheaper than a transform
  // per field, measured with zod 4).
  const shape: Record<string, z.ZodType> = {};
  for (const col of WIRE_COLUMNS) shape[col.name] = col.notNull ? wireType(col) : wireType(col).optional();
  return z.object(shape).transform((hit: Record<string, unknown>, ctx) => {
    const problem = cleanHit(hit, limits);
    if (!problem) return hit as WireHit;
    ctx.issues.push({ code: 'custom', path: [problem.path], message: problem.message, input: hit });
    return z.NEVER;
  }) as unknown as z.ZodType<WireHit, unknown>;
}

/** Cleans and cuts a type-checked hit in place; returns the first problem found, or null. */
function cleanHit(hit: Record<string, unknown>, limits: HitLimits): { path: string; message: string } | null {
  for (const name of COLUMN_STRINGS) {
    const v = hit[name] as string | undefined;
    if (v !== undefined) hit[name] = fitToColumn(name, clean(v));
  }
  for (const name of REQUIRED_STRINGS) {
    const v = (hit[name] as string).trim();
    if (v.length === 0) return { path: name, message: 'must not be empty' };
    hit[name] = v;
  }
  for (const name of LONG_STRINGS) {
    const v = hit[name] as string | undefined;
    if (v !== undefined) hit[name] = cutText(clean(v), limits.textMax);
  }
  for (const name of HASHES) {
    const v = hit[name] as string | undefined;
    if (v !== undefined) hit[name] = v.toLowerCase();
  }
  for (const { name, unit, top } of DECIMALS) {
    const v = hit[name] as number | undefined;
    if (v !== undefined) hit[name] = Math.min(top, Math.round(v * unit) / unit);
  }
  for (const name of JSON_FIELDS) {
    const v = hit[name];
    if (v === undefined) continue;
    const r = cleanJsonValue(v, limits);
    if ('error' in r) return { path: name, message: r.error };
    hit[name] = r.value;
  }
  const url = hit.page_url as string | undefined;
  if (hit.event_name === 'page_view' && !url)
    return { path: 'page_url', message: 'is required for page_view' };
  if (url && !URL.canParse(url)) return { path: 'page_url', message: 'must be an absolute URL' };
  return null;
}

export type HitSchema = ReturnType<typeof createHitSchema>;
/** A validated, cleaned wire hit (before the collector stamps id and server_timestamp). */
export type WireHit = WireFields;

/** Wire fields that are numbers (the pixel receives them as query-string text). */
export const HIT_NUMBER_FIELDS: ReadonlySet<string> = new Set(
  WIRE_COLUMNS.filter((c) => c.type === 'int' || c.type === 'bigint' || c.type === 'decimal').map(
    (c) => c.name,
  ),
);

/** Wire fields that are JSON objects (the pixel receives them as JSON text). */
export const HIT_JSON_FIELDS: ReadonlySet<string> = new Set(JSON_FIELDS);

/** zod issues as short "field: message" lines for the client. */
export function formatIssues(issues: readonly z.core.$ZodIssue[]): string[] {
  return issues.map((i) => (i.path.length ? `${i.path.join('.')}: ${i.message}` : i.message));
}
