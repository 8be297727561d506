import { isIP } from 'node:net';
import { z } from 'zod';

/**
 * One environment variable: its name, how its text is parsed, its default and what it is for.
 * Every setting of Beacon is declared once with this helper; `.env.example` is generated from the
 * declarations (and a test fails when the committed file drifts).
 */
export interface Setting<T> {
  readonly env: string;
  /** Parses the raw text of the variable (never undefined: a missing variable takes `default`). */
  readonly parse: z.ZodType<T, string>;
  /** Value when the variable is unset or empty; `undefined` here makes the variable required. */
  readonly default: T | undefined;
  /** The text written to .env.example for the default (defaults to String(default)). */
  readonly example: string;
  readonly doc: string;
}

/** What `setting(env, parse, default)` returns: a template tag that takes the doc. */
export type DocTag<T> = (doc: TemplateStringsArray, ...values: unknown[]) => Setting<T>;

/**
 * Declares a setting. The tables write the doc as a template after the call, so the name, parser and
 * default stand on one line and the prose under it, wrapped to the source width:
 *
 *     port: setting('API_PORT', p.int(0, 65535), 3000)`
 *       Port of the query API.`,
 *
 * White space in the template folds to single spaces (the doc is one paragraph); `${}` values are
 * spliced in. The four-argument form takes the doc as a string (helpers whose doc is a parameter).
 */
export function setting<T>(env: string, parse: z.ZodType<T, string>, defaultValue: T | undefined): DocTag<T>;
export function setting<T>(
  env: string,
  parse: z.ZodType<T, string>,
  defaultValue: T | undefined,
  doc: string,
  example?: string,
): Setting<T>;
export function setting<T>(
  env: string,
  parse: z.ZodType<T, string>,
  defaultValue: T | undefined,
  doc?: string,
  example?: string,
): Setting<T> | DocTag<T> {
  const make = (text: string): Setting<T> => ({
    env,
    parse,
    default: defaultValue,
    example: example ?? (defaultValue === undefined ? '' : exampleText(defaultValue)),
    doc: text,
  });
  if (doc !== undefined) return make(doc);
  return (parts, ...values) => make(paragraph(parts, values));
}

/** The text of a doc template: its parts and values joined, white space folded, ends trimmed. */
function paragraph(parts: TemplateStringsArray, values: unknown[]): string {
  const text = parts.reduce((out, part, i) => `${out}${String(values[i - 1])}${part}`);
  return text.replace(/\s+/g, ' ').trim();
}

function exampleText(value: unknown): string {
  if (Array.isArray(value)) return value.join(',');
  return String(value);
}

/** Parsers from the variable's text; each one rejects with a message fit for an operator. */
export const parsers = {
  string: (opts: { min?: number; max?: number } = {}) =>
    z
      .string()
      .min(opts.min ?? 0)
      .max(opts.max ?? 10_000),
  /**
   * A secret: length bounds, and not a placeholder copied from an example (`change-me`, `replace-me`,
   * ...), so an example file used as it is stops the start instead of running with a public secret.
   */
  secret: (opts: { min: number; max: number }) =>
    z
      .string()
      .min(opts.min)
      .max(opts.max)
      .refine(
        (v) => !PLACEHOLDER.test(v),
        'is a placeholder from an example (change-me, replace-me, ...): set a random value, e.g. openssl rand -hex 32',
      ),
  int: (min: number, max: number) =>
    z
      .string()
      .trim()
      .regex(/^-?\d+$/, 'must be a whole number')
      .transform(Number)
      .pipe(z.number().int().min(min).max(max)),
  number: (min: number, max: number) =>
    z
      .string()
      .trim()
      .regex(/^-?\d+(\.\d+)?$/, 'must be a number')
      .transform(Number)
      .pipe(z.number().min(min).max(max)),
  bool: () =>
    z
      .string()
      .trim()
      .toLowerCase()
      .pipe(z.enum(['true', 'false', '1', '0', 'yes', 'no', 'on', 'off']))
      .transform((v) => v === 'true' || v === '1' || v === 'yes' || v === 'on'),
  url: (protocols: readonly string[]) =>
    z
      .string()
      .trim()
      .refine(
        (v) => {
          try {
            return protocols.includes(new URL(v).protocol);
          } catch {
            return false;
          }
        },
        `must be a URL starting with ${protocols.map((p) => `${p}//`).join(' or ')}`,
      )
      .refine((v) => {
        try {
          return !PLACEHOLDER.test(decodeURIComponent(new URL(v).password));
        } catch {
          return true; // already refused above
        }
      }, 'has a placeholder password from an example (change-me, replace-me, ...): set the real one'),
  oneOf: <const V extends readonly [string, ...string[]]>(values: V) =>
    z.string().trim().pipe(z.enum(values)),
  /** Comma-separated list; blanks dropped. */
  list: () =>
    z.string().transform((v) =>
      v
        .split(',')
        .map((s) => s.trim())
        .filter((s) => s.length > 0),
    ),
  /**
   * express 'trust proxy' text: `false`, `true`, a hop count, or a comma-separated list of addresses,
   * CIDRs and the names loopback/linklocal/uniquelocal. Checked here so a typo stops the start instead
   * of silently trusting nothing (or everything).
   */
  trustProxy: () =>
    z
      .string()
      .trim()
      .refine(
        (v) =>
          v === 'true' ||
          v === 'false' ||
          /^\d+$/.test(v) ||
          v.split(',').every((part) => isTrustProxyEntry(part.trim())),
        'must be false, true, a hop count, or a comma-separated list of addresses, CIDRs, loopback, linklocal, uniquelocal',
      ),
  /** An optional file path; empty means "not configured". */
  path: () => z.string().trim(),
};

const PLACEHOLDER = /change[-_ .]?me|replace[-_ .]?me|placeholder|example|your[-_ ]?secret/i;

function isTrustProxyEntry(entry: string): boolean {
  if (entry === 'loopback' || entry === 'linklocal' || entry === 'uniquelocal') return true;
  const [addr, bits, extra] = entry.split('/');
  if (extra !== undefined || !addr) return false;
  const family = isIP(addr);
  if (family === 0) return false;
  if (bits === undefined) return true;
  // A prefix length, or (IPv4 only) a netmask as proxy-addr accepts it.
  if (/^\d{1,3}$/.test(bits)) return Number(bits) <= (family === 4 ? 32 : 128);
  return family === 4 && isIP(bits) === 4;
}
