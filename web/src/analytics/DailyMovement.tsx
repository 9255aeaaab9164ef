/** Points moved per day by type (GET /v1/analytics/daily), as grouped bars. */
import { useState } from 'react';
import { getDaily } from '../api/endpoints.ts';
import type { DailyRow } from '../api/types.ts';
import type { Series } from '../components/BarChart.tsx';
import { suggestLog } from '../components/chart-scale.ts';
import { ScaleToggle } from '../components/ScaleToggle.tsx';
import { ErrorMessage } from '../components/ErrorMessage.tsx';
import { Empty, Loading } from '../components/Status.tsx';
import { useAsync } from '../hooks/useAsync.ts';
import { DayBars } from './DayBars.tsx';
import { daysBetween, fillDays } from './days.ts';
import type { Range } from './RangeForm.tsx';

export const MOVEMENT_TYPES = [
  { key: 'granted', label: 'Granted', color: '#2e7d32' },
  { key: 'used', label: 'Used', color: '#1565c0' },
  { key: 'useCanceled', label: 'Use cancelled', color: '#7b1fa2' },
  { key: 'expired', label: 'Expired', color: '#e65100' },
  { key: 'revoked', label: 'Revoked', color: '#c62828' },
] as const;

const zero = (day: string): DailyRow => ({ day, granted: 0, used: 0, useCanceled: 0, expired: 0, revoked: 0, activeUsers: 0 });

export function DailyMovement({ range }: { range: Range }) {
  // null: the scale the data suggests, until the operator chooses.
  const [chosenLog, setLog] = useState<boolean | null>(null);
  const daily = useAsync((signal) => getDaily(range.from, range.to, signal), [range.from, range.to]);
  const rows = daily.data ? fillDays(daily.data, daysBetween(range.from, range.to), zero) : [];
  const any = daily.data?.some((r) => MOVEMENT_TYPES.some((t) => r[t.key] > 0)) ?? false;
  const series: Series[] = MOVEMENT_TYPES.map((t) => ({ name: t.label, color: t.color, values: rows.map((r) => r[t.key]) }));
  const log = chosenLog ?? suggestLog(series.flatMap((s) => s.values));

  return (
    <section className="panel" aria-labelledby="daily-title" aria-busy={daily.loading}>
      <div className="panel-head">
        <h2 id="daily-title">Daily movement by type</h2>
        <ScaleToggle id="daily-log" log={log} onChange={setLog} />
      </div>
      <p className="muted small">
        {range.from} to {range.to} (UTC)
      </p>
      {daily.error && <ErrorMessage error={daily.error} context="The daily movement could not be loaded." />}
      {daily.loading && !daily.data && <Loading what="Loading the daily movement…" />}
      {daily.data && !any && <Empty>No points moved in this range.</Empty>}
      {daily.data && any && (
        <DayBars
          title={`Points granted, used, cancelled, expired and revoked per day, ${range.from} to ${range.to}`}
          days={rows.map((r) => r.day)}
          series={series}
          log={log}
          numbers={{
            caption: 'Points moved per day by type',
            columns: [
              { key: 'day', label: 'Day' },
              ...MOVEMENT_TYPES.map((t) => ({ key: t.key, label: t.label })),
              { key: 'activeUsers', label: 'Active users' },
            ],
            rows: daily.data.map((r) => ({ ...r })),
          }}
        />
      )}
    </section>
  );
}
