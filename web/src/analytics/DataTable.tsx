/** The numbers behind a chart, folded away in a <details>. */
import { points } from '../format.ts';

interface Props {
  caption: string;
  columns: { key: string; label: string }[];
  rows: Record<string, string | number>[];
}

export function DataTable({ caption, columns, rows }: Props) {
  return (
    <details className="data-table">
      <summary>Show the numbers</summary>
      <div className="table-scroll">
        <table className="table">
          <caption className="sr-only">{caption}</caption>
          <thead>
            <tr>
              {columns.map((c) => (
                <th key={c.key} scope="col" className={c.key === 'day' ? undefined : 'num'}>
                  {c.label}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {rows.map((r, i) => (
              // biome-ignore lint/suspicious/noArrayIndexKey: the rows have no id and are replaced as a whole
              <tr key={i}>
                {columns.map((c) => {
                  const v = r[c.key];
                  return (
                    <td key={c.key} className={typeof v === 'number' ? 'num' : undefined}>
                      {typeof v === 'number' ? points(v) : v}
                    </td>
                  );
                })}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </details>
  );
}
