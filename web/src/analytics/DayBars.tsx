/** Points per day as bars, with the numbers behind them folded away below. */
import { BarChart, type Series } from '../components/BarChart.tsx';
import { points } from '../format.ts';
import { DataTable } from './DataTable.tsx';
import { shortDay } from './days.ts';

interface Props {
  title: string;
  days: string[];
  series: Series[];
  log: boolean;
  numbers: { caption: string; columns: { key: string; label: string }[]; rows: Record<string, string | number>[] };
}

export function DayBars({ title, days, series, log, numbers }: Props) {
  return (
    <>
      <BarChart title={title} categories={days} series={series} log={log} formatCategory={shortDay} formatValue={points} />
      <DataTable caption={numbers.caption} columns={numbers.columns} rows={numbers.rows} />
    </>
  );
}
