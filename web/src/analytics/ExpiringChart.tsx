/** Points that will expire per day ahead (GET /v1/analytics/expiring?days=N). */
import { useState, type FormEvent } from 'react';
import { getExpiring } from '../api/endpoints.ts';
import { suggestLog } from '../components/chart-scale.ts';
import { ScaleToggle } from '../components/ScaleToggle.tsx';
import { ErrorMessage } from '../components/ErrorMessage.tsx';
import { Empty, Loading } from '../components/Status.tsx';
import { TextField } from '../components/TextField.tsx';
import { useAsync } from '../hooks/useAsync.ts';
import { checkIntInRange } from '../validation.ts';
import { DayBars } from './DayBars.tsx';
import { addDays, daysBetween, fillDays, today } from './days.ts';

export function ExpiringChart() {
  const [days, setDays] = useState(30);
  const [text, setText] = useState('30');
  const [error, setError] = useState<string | undefined>();
  const [chosenLog, setLog] = useState<boolean | null>(null);
  const expiring = useAsync((signal) => getExpiring(days, signal), [days]);
  const start = addDays(today(), 1);
  const rows = expiring.data ? fillDays(expiring.data, daysBetween(start, addDays(today(), days)), (day) => ({ day, points: 0, lots: 0 })) : [];

  const values = rows.map((r) => r.points);
  const log = chosenLog ?? suggestLog(values);

  const onSubmit = (e: FormEvent) => {
    e.preventDefault();
    const problem = checkIntInRange(text.trim(), 'number of days', 1, 3650);
    setError(problem ?? undefined);
    if (!problem) setDays(Number(text.trim()));
  };

  return (
    <section className="panel" aria-labelledby="expiring-title" aria-busy={expiring.loading}>
      <div className="panel-head">
        <h2 id="expiring-title">Points expiring per day ahead</h2>
        <ScaleToggle id="expiring-log" log={log} onChange={setLog} />
      </div>
      <form className="form-inline" onSubmit={onSubmit} noValidate>
        <TextField id="expiring-days" label="Days ahead" value={text} onChange={setText} error={error} inputMode="numeric" required hint="1 to 3,650." />
        <button type="submit" className="button">
          Show days
        </button>
      </form>
      {expiring.error && <ErrorMessage error={expiring.error} context="The expiring points could not be loaded." />}
      {expiring.loading && !expiring.data && <Loading what="Loading the expiring points…" />}
      {expiring.data && expiring.data.length === 0 && <Empty>No points expire in the next {days} days.</Empty>}
      {expiring.data && expiring.data.length > 0 && (
        <DayBars
          title={`Points expiring per day over the next ${days} days`}
          days={rows.map((r) => r.day)}
          series={[{ name: 'Expiring', color: '#e65100', values }]}
          log={log}
          numbers={{
            caption: 'Points and lots expiring per day',
            columns: [
              { key: 'day', label: 'Day' },
              { key: 'points', label: 'Points' },
              { key: 'lots', label: 'Lots' },
            ],
            rows: expiring.data.map((r) => ({ ...r })),
          }}
        />
      )}
    </section>
  );
}
