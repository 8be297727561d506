import { EVENT_COLUMN_NAMES, PERSONAL_EVENT_COLUMNS, type EventColumnName } from '@beacon/schema';
import type { Role } from '../auth/types.js';

/**
 * Events columns that identify a person or a device on their own (`personal` in the field registry,
 * packages/schema columns.ts): raw exports of them need the admin role (API keys act as admin). Users
 * and viewers get the events export without them, and a 403 when they name one in `columns`.
 * Pseudonymous ids (client_id, session_id) and IP-derived geography stay in every export: the
 * dashboards show them to every role anyway.
 */
export { PERSONAL_EVENT_COLUMNS };

const personal = new Set<string>(PERSONAL_EVENT_COLUMNS);

export const mayExportPersonalColumns = (role: Role): boolean => role === 'admin';

export const isPersonalColumn = (name: string): boolean => personal.has(name);

/** The events columns a role gets when it names none: all of them for admins, the rest without personal ones. */
export function defaultEventColumns(role: Role): readonly EventColumnName[] {
  return mayExportPersonalColumns(role)
    ? EVENT_COLUMN_NAMES
    : EVENT_COLUMN_NAMES.filter((c) => !personal.has(c));
}
