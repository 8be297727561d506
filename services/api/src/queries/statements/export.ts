import type { EventColumnName } from '@beacon/schema';
import { inRange, type Scope } from '../scope.js';

/**
 * Raw events of the range for CSV export, the given events columns (names from packages/schema, checked
 * by the caller against EVENT_COLUMN_NAMES), oldest first. In: scope. Out: those columns in that order.
 */
export const exportEvents = (s: Scope, columns: readonly EventColumnName[]) => `
SELECT ${columns.map((c) => `e."${c}"`).join(', ')}
FROM events e
WHERE ${inRange(s)}
ORDER BY e.server_timestamp, e.id`;
