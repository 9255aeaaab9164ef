/** What became of each month's grants (GET /v1/analytics/cohorts): grouped bars per month and the table behind them. */
import { type FormEvent, useState } from 'react';
import { getCohorts } from '../../api/endpoints.ts';
import { BarChart } from '../../components/BarChart.tsx';
import { suggestLog } from '../../components/chart-scale.ts';
import { ErrorMessage } from '../../components/ErrorMessage.tsx';
import { ScaleToggle } from '../../components/ScaleToggle.tsx';
import { Empty, Loading } from '../../components/Status.tsx';
import { Table } from '../../components/Table.tsx';
import type { CohortRow } from '../../api/types.ts';
import { points } from '../../format.ts';
import { useAsync } from '../../hooks/useAsync.ts';
import { FilterField } from '../FilterField.tsx';
import { addMonths, checkMonthRange, cohortSeries, fillMonths, monthOf, monthsBetween, shortMonth } from './liability.ts';

export function Cohorts() {
  const [range, setRange] = useState(() => ({ from: addMonths(monthOf(Date.now()), -11), to: monthOf(Date.now()) }));
  const [from, setFrom] = useState(range.from);
  const [to, setTo] = useState(range.to);
  const [errors, setErrors] = useState<{ from?: string; to?: string }>({});
  const [chosenLog, setLog] = useState<boolean | null>(null);
  const cohorts = useAsync((signal) => getCohorts(range.from, range.to, signal), [range.from, range.to]);
  const rows = cohorts.data ? fillMonths(cohorts.data, monthsBetween(range.from, range.to) ?? []) : [];
  const series = cohortSeries(rows);
  const log = chosenLog ?? suggestLog(series.flatMap((s) => s.values));
  const any = rows.some((r) => r.granted > 0);
  const onSubmit = (e: FormEvent) => {
    e.preventDefault();
    const problems = checkMonthRange(from, to);
    setErrors(problems ?? {});
    if (!problems) setRange({ from, to });
  };

  return (
    <section className="panel" aria-labelledby="cohorts-title" aria-busy={cohorts.loading}>
      <div className="panel-head">
        <h2 id="cohorts-title">Cohorts: what became of each month's grants</h2>
        <ScaleToggle id="cohorts-log" log={log} onChange={setLog} />
      </div>
      <form className="form-inline" onSubmit={onSubmit} noValidate aria-label="Cohort months">
        <FilterField id="cohorts-from" label="From month" type="month" value={from} onChange={setFrom} error={errors.from} required hint="YYYY-MM (UTC)." />
        <FilterField id="cohorts-to" label="To month" type="month" value={to} onChange={setTo} error={errors.to} required hint="At most 120 months." />
        <button type="submit" className="button button-primary">
          Show months
        </button>
      </form>
      {cohorts.error && <ErrorMessage error={cohorts.error} context="The cohorts could not be loaded." />}
      {cohorts.loading && !cohorts.data && <Loading what="Loading the cohorts…" />}
      {cohorts.data && !any && <Empty>Nothing was granted in these months.</Empty>}
      {cohorts.data && any && (
        <>
          <BarChart
            title={`Points used, expired, revoked and outstanding per month of grant, ${range.from} to ${range.to}`}
            categories={rows.map((r) => r.month)}
            series={series}
            log={log}
            formatCategory={shortMonth}
            formatValue={points}
          />
          <CohortTable rows={rows.filter((r) => r.granted > 0)} caption={`Cohorts by month of grant, ${range.from} to ${range.to}`} />
        </>
      )}
    </section>
  );
}

function CohortTable({ rows, caption }: { rows: CohortRow[]; caption: string }) {
  return (
    <div className="table-scroll">
      <Table
        caption={caption}
        testId="cohort-table"
        rows={rows}
        rowKey={(r) => r.month}
        columns={[
          { label: 'Month', cell: (r) => r.month },
          { label: 'Granted', num: true, cell: (r) => points(r.granted) },
          { label: 'Used', num: true, cell: (r) => points(r.used) },
          { label: 'Use cancelled', num: true, cell: (r) => points(r.useCanceled) },
          { label: 'Expired', num: true, cell: (r) => points(r.expired) },
          { label: 'Revoked', num: true, cell: (r) => points(r.revoked) },
          { label: 'Outstanding', num: true, cell: (r) => points(r.outstanding) },
        ]}
      />
    </div>
  );
}
