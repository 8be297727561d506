import { z } from 'zod';
import { SITE_ACCESS, type SiteAccess } from '../auth/types.js';

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

/** A PATCH body: any of `fields`, at least one of them, nothing else. */
export function changesOf<S extends z.ZodRawShape>(fields: S, id: string) {
  return z
    .object(fields)
    .partial()
    .strict()
    .refine((b) => Object.keys(b).length > 0, 'give at least one field to change')
    .meta({ id });
}

/** When a stored thing was made and last changed, as its answer gives them (ISO 8601). */
export const stamps = { created_at: z.string(), updated_at: z.string() };

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
    ...stamps,
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

/** A row's created_at and updated_at as the answer gives them (`stamps`). */
export function isoStamps(r: { created_at: Date; updated_at: Date }) {
  return { created_at: iso(r.created_at)!, updated_at: iso(r.updated_at)! };
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
    ...isoStamps(r),
  };
}

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Whether a string is a uuid (before it reaches a statement that casts it). */
export const isUuid = (s: string): boolean => UUID_RE.test(s);

/** Answer of every list endpoint: a page of items and the cursor of the next page (null at the end). */
export function pageOf<T extends z.ZodType>(item: T, id: string) {
  return z.object({ items: z.array(item), next_cursor: z.string().nullable() }).meta({ id });
}
