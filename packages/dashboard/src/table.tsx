// The dashboard's one table: a header of column names, a row per item, an empty state. Pages describe
// their columns; the markup (scopes for screen readers, number alignment, horizontal scroll) is here.
import type { CSSProperties, HTMLAttributes, ReactNode } from 'react';
import { Async } from './ui';

export interface Column<T> {
  /** Header text ('' for a column of row actions). */
  head: ReactNode;
  cell: (row: T) => ReactNode;
  /** A number: right-aligned. */
  num?: boolean;
  /** The row's name: a row header (`<th scope="row">`) rather than a plain cell. */
  rowHeader?: boolean;
  /** `data-col` of the cells (tests and styles find a column by it). */
  col?: string;
  /** Tooltip of the header. */
  title?: string;
  /** Attributes of the cell itself (a tooltip, say). */
  cellProps?: (row: T) => HTMLAttributes<HTMLTableCellElement>;
}

type RowProps = HTMLAttributes<HTMLTableRowElement> & { [data: `data-${string}`]: string | number };

export function DataTable<T>({
  rows,
  columns,
  rowKey,
  className = 'data',
  label,
  scroll = true,
  empty,
  rowProps,
}: {
  rows: readonly T[];
  columns: Column<T>[];
  rowKey: (row: T) => string | number;
  className?: string;
  label?: string;
  /** Wrapped in a box that scrolls sideways on narrow screens. */
  scroll?: boolean;
  /** Shown instead of the table when there is no row. */
  empty?: ReactNode;
  rowProps?: (row: T) => RowProps;
}) {
  if (rows.length === 0 && empty !== undefined) return <>{empty}</>;
  const table = (
    <table className={className} aria-label={label}>
      <thead>
        <tr>
          {columns.map((c, i) => (
            <th key={i} scope="col" className={c.num ? 'num' : undefined} title={c.title}>
              {c.head}
            </th>
          ))}
        </tr>
      </thead>
      <tbody>
        {rows.map((r) => (
          <tr key={rowKey(r)} {...rowProps?.(r)}>
            {columns.map((c, i) => {
              const props = { className: c.num ? 'num' : undefined, 'data-col': c.col, ...c.cellProps?.(r) };
              return c.rowHeader ? (
                <th key={i} scope="row" {...props}>
                  {c.cell(r)}
                </th>
              ) : (
                <td key={i} {...props}>
                  {c.cell(r)}
                </td>
              );
            })}
          </tr>
        ))}
      </tbody>
    </table>
  );
  return scroll ? <div className="scroll">{table}</div> : table;
}

/** An API list (`{items}`, each with an id) in a DataTable once it has loaded; `loading`: what loads. */
export function ItemsTable<T extends { id: string | number }>({
  q,
  loading,
  ...table
}: {
  q: { data: { items: T[] } | undefined; error: unknown; isPending: boolean; refetch: () => unknown };
  loading?: string;
} & Omit<Parameters<typeof DataTable<T>>[0], 'rows' | 'rowKey'>) {
  return (
    <Async q={q} {...(loading ? { label: loading } : {})}>
      {(l) => <DataTable rows={l.items} rowKey={(x) => x.id} {...table} />}
    </Async>
  );
}

/** A bar behind the row (`table.bars`): its width is the row's share of the largest value. */
export const barWidth = (n: number, max: number): CSSProperties => ({
  ['--w' as string]: `${(100 * n) / Math.max(max, 1)}%`,
});

/** The Edit and Delete buttons of a row (after the row's other buttons, if any). */
export function RowActions({
  onEdit,
  onDelete,
  children,
}: {
  onEdit: () => void;
  onDelete: () => void;
  children?: ReactNode;
}) {
  return (
    <span className="actions">
      {children}
      <button type="button" className="link" onClick={onEdit}>
        Edit
      </button>
      <button type="button" className="link" onClick={onDelete}>
        Delete
      </button>
    </span>
  );
}
