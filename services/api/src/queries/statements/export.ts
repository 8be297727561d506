import { EVENT_COLUMN_NAMES } from '@beacon/schema';
import { inRange, type Scope } from '../scope.js';

/**
 * Raw events of the range for CSV export, every events column (names from packages/schema), oldest
 * first. In: scope. Out: EVENT_COLUMNS.
 */
export const exportEvents = (s: Scope) => `
SELECT ${EVENT_COLUMN_NAMES.map((c) => `e."${c}"`).join(', ')}
FROM events e
WHERE ${inRange(s)}
ORDER BY e.server_timestamp, e.id`;
