import type { EventRow } from '@beacon/schema';

/** For row columns, the field of a lookup result `S` each is copied from (a field whose values it holds). */
export type ColumnsFrom<S> = {
  [C in keyof EventRow]?: { [K in keyof S]-?: S[K] extends EventRow[C] | undefined ? K : never }[keyof S];
};

/**
 * Copies a lookup's result into row columns, each null where the result or its field is missing (a
 * source not configured, an IP or a network it does not know).
 */
export function setColumnsFrom<S extends object>(
  row: EventRow,
  from: S | null | undefined,
  columns: ColumnsFrom<S>,
): void {
  for (const [column, field] of Object.entries(columns) as [keyof EventRow, keyof S][])
    (row as Record<keyof EventRow, unknown>)[column] = from?.[field] ?? null;
}
