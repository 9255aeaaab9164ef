/**
 * A table that folds into cards on narrow screens (`.table.responsive`): every cell carries
 * its column's label (data-label), figures are right-aligned (`num`), and a column of row
 * actions has a header for screen readers only and cells without a label.
 */
import type { ComponentProps, ReactNode } from 'react';

export interface Column<T> {
  label: string;
  cell: (row: T) => ReactNode;
  /** A column of figures: header and cells right-aligned. */
  num?: boolean;
  /** The row's buttons: the header is for screen readers only, the cells carry no label. */
  actions?: boolean;
  /** The cells' class, where it is more than `num` or `actions`. */
  cellClass?: (row: T) => string;
}

type RowAttributes = ComponentProps<'tr'> & { [data: `data-${string}`]: string | undefined };

interface Props<T> {
  caption: ReactNode;
  columns: Column<T>[];
  rows: readonly T[];
  rowKey: (row: T) => string;
  rowAttributes?: (row: T) => RowAttributes;
  /** Classes after `table responsive`. */
  className?: string;
  testId?: string;
}

const cellClass = <T,>(c: Column<T>, row: T) => c.cellClass?.(row) ?? (c.num ? 'num' : c.actions ? 'actions' : undefined);

export function Table<T>({ caption, columns, rows, rowKey, rowAttributes, className, testId }: Props<T>) {
  return (
    <table className={`table responsive${className ? ` ${className}` : ''}`} data-testid={testId}>
      <caption className="sr-only">{caption}</caption>
      <thead>
        <tr>
          {columns.map((c) => (
            <th key={c.label} scope="col" className={c.num ? 'num' : undefined}>
              {c.actions ? <span className="sr-only">{c.label}</span> : c.label}
            </th>
          ))}
        </tr>
      </thead>
      <tbody>
        {rows.map((row) => (
          <tr key={rowKey(row)} {...rowAttributes?.(row)}>
            {columns.map((c) => (
              <td key={c.label} data-label={c.actions ? '' : c.label} className={cellClass(c, row)}>
                {c.cell(row)}
              </td>
            ))}
          </tr>
        ))}
      </tbody>
    </table>
  );
}
