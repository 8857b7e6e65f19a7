import type { ReactNode } from 'react';

export interface Column<T> {
  key: string;
  header: ReactNode;
  /** The header as text, repeated before each cell when the table is stacked on phones. */
  label?: string;
  cell: (row: T) => ReactNode;
  numeric?: boolean;
  /** For a sortable column: its aria-sort (the header then holds the button that sorts by it). */
  sort?: 'ascending' | 'descending' | 'none';
}

export interface TableProps<T> {
  columns: readonly Column<T>[];
  rows: readonly T[];
  rowKey: (row: T) => string | number;
  /** Describes the table for screen readers; visually hidden unless `showCaption`. */
  caption: string;
  showCaption?: boolean;
  empty?: ReactNode;
  footer?: ReactNode;
  testId?: string;
  /** "stack": each row becomes a card on narrow screens; "scroll": the table scrolls inside its box. */
  responsive?: 'stack' | 'scroll';
}

export function Table<T>({
  columns,
  rows,
  rowKey,
  caption,
  showCaption = false,
  empty = 'Nothing to show.',
  footer,
  testId,
  responsive = 'stack',
}: TableProps<T>) {
  return (
    <div
      className={`table-wrap table-wrap--${responsive}`}
      {...(responsive === 'scroll' ? { tabIndex: 0, role: 'region', 'aria-label': caption } : {})}
    >
      <table className={`table table--${responsive}`} data-testid={testId}>
        <caption className={showCaption ? 'table__caption' : 'visually-hidden'}>{caption}</caption>
        <thead>
          <tr>
            {columns.map((c) => (
              <th key={c.key} scope="col" className={c.numeric ? 'num' : undefined} aria-sort={c.sort}>
                {c.header}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {rows.length === 0 ? (
            <tr className="table__empty">
              <td colSpan={columns.length}>{empty}</td>
            </tr>
          ) : (
            rows.map((row) => (
              <tr key={rowKey(row)}>
                {columns.map((c) => (
                  <td
                    key={c.key}
                    className={c.numeric ? 'num' : undefined}
                    data-label={c.label ?? (typeof c.header === 'string' ? c.header : undefined)}
                  >
                    {c.cell(row)}
                  </td>
                ))}
              </tr>
            ))
          )}
        </tbody>
        {footer}
      </table>
    </div>
  );
}
