import { z } from 'zod';
import { SITE_ACCESS, type SiteAccess } from '../auth/types.js';
import { invalidCursor } from '../http/errors.js';

/** Shared answer shapes (named components in the OpenAPI document). */

/** An email address as stored: trimmed, lower case. */
export const emailField = z.string().trim().toLowerCase().max(255).pipe(z.email());

/** A person's first or last name (null clears it). */
export const personNameField = z.string().trim().min(1).max(100).nullable();

/** Who gets a report or an alert: 1 to 50 addresses, duplicates dropped. */
export const recipientsField = z
  .array(emailField)
  .min(1)
  .max(50)
  .transform((l) => [...new Set(l)]);

// bcrypt reads only the first 72 bytes: refuse longer passwords rather than silently ignore the rest.
export const newPasswordField = z
  .string()
  .min(8, 'at least 8 characters')
  .max(72)
  .refine((p) => Buffer.byteLength(p, 'utf8') <= 72, 'at most 72 bytes (bcrypt ignores the rest)');

export const roleSchema = z.enum(['admin', 'user', 'viewer']).meta({ id: 'Role' });

export const userSchema = z
  .object({
    id: z.uuid(),
    email: z.string(),
    first_name: z.string().nullable(),
    last_name: z.string().nullable(),
    role: roleSchema,
    is_active: z.boolean(),
    site_access: z.enum(SITE_ACCESS).meta({
      description:
        'all: every site of the agency; selected: only site_ids (client logins). Admins see every site whatever this says',
    }),
    site_ids: z.array(z.uuid()).meta({ description: 'sites granted (what selected limits the user to)' }),
    last_login: z.string().nullable(),
    created_at: z.string(),
    updated_at: z.string(),
  })
  .meta({ id: 'User' });

export interface UserRow {
  id: string;
  agency_id: string;
  email: string;
  first_name: string | null;
  last_name: string | null;
  role: 'admin' | 'user' | 'viewer';
  is_active: boolean;
  site_access: SiteAccess;
  site_ids: string[];
  last_login: Date | null;
  created_at: Date;
  updated_at: Date;
}

export function iso(d: Date | null | undefined): string | null {
  return d ? d.toISOString() : null;
}

export function toUser(r: UserRow): z.infer<typeof userSchema> {
  return {
    id: r.id,
    email: r.email,
    first_name: r.first_name,
    last_name: r.last_name,
    role: r.role,
    is_active: r.is_active,
    site_access: r.site_access,
    site_ids: r.site_ids,
    last_login: iso(r.last_login),
    created_at: iso(r.created_at)!,
    updated_at: iso(r.updated_at)!,
  };
}

/** A keyset cursor: base64url of a JSON array; opaque to clients. */
export function encodeCursor(values: readonly unknown[]): string {
  return Buffer.from(JSON.stringify(values)).toString('base64url');
}

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Whether a string is a uuid (before it reaches a statement that casts it). */
export const isUuid = (s: string): boolean => UUID_RE.test(s);

/**
 * The values of a cursor made by encodeCursor; `kinds` says what each position holds (a 'uuid' must
 * be one, since the statement casts it). A tampered cursor is a 400, never a failed query (500).
 */
export function decodeCursor(
  cursor: string | undefined,
  kinds: readonly ('text' | 'uuid')[],
): string[] | null {
  if (cursor === undefined) return null;
  try {
    const v = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown;
    if (
      Array.isArray(v) &&
      v.length === kinds.length &&
      v.every(
        (x, i) =>
          typeof x === 'string' &&
          x.length <= 1000 &&
          !x.includes('\u0000') &&
          (kinds[i] !== 'uuid' || isUuid(x)),
      )
    )
      return v as string[];
  } catch {
    // fall through
  }
  throw invalidCursor();
}

/**
 * One page of a keyset list. The statement was asked for `limit + 1` rows: a row past the limit says
 * there is a next page, whose cursor is the key of the page's last row.
 */
export function keysetPage<R, T>(
  rows: readonly R[],
  limit: number,
  toItem: (row: R) => T,
  keyOf: (row: R) => readonly unknown[],
): { items: T[]; next_cursor: string | null } {
  const page = rows.slice(0, limit);
  const last = page[page.length - 1];
  return {
    items: page.map(toItem),
    next_cursor: rows.length > limit && last ? encodeCursor(keyOf(last)) : null,
  };
}

/** Answer of every list endpoint: a page of items and the cursor of the next page (null at the end). */
export function pageOf<T extends z.ZodType>(item: T, id: string) {
  return z.object({ items: z.array(item), next_cursor: z.string().nullable() }).meta({ id });
}
