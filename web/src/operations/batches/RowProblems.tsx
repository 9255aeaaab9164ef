/** The bad rows of a refused batch (400 VALIDATION_FAILED): by line and ref, with what is wrong. */
import type { ApiError } from '../../api/errors.ts';
import { Table } from '../../components/Table.tsx';
import { points } from '../../format.ts';
import { rowProblems } from './batch.ts';

export function RowProblems({ error }: { error: ApiError }) {
  const problems = rowProblems(error);
  const lines = new Set(problems.filter((p) => p.line !== null).map((p) => p.line)).size;
  return (
    <div className="notice notice-error" role="alert" data-code={error.code}>
      <p className="notice-title">The batch was refused: nothing was granted.</p>
      <p>
        {lines > 0 ? `${points(lines)} ${lines === 1 ? 'row is' : 'rows are'} not valid` : 'The upload is not valid'}. Fix {lines === 1 ? 'it' : 'them'} and
        upload the whole file again. <span className="muted small">API: {error.message}</span> <code>{error.code}</code>
      </p>
      {problems.length > 0 && (
        <div className="table-scroll">
          <Table
            caption="The rows the API refused, by line"
            testId="batch-row-problems"
            className="problems-table"
            rows={problems.map((p, i) => ({ ...p, i }))}
            rowKey={(p) => String(p.i)}
            rowAttributes={(p) => ({ 'data-line': p.line === null ? undefined : String(p.line) })}
            columns={[
              { label: 'Line', num: true, cell: (p) => p.line ?? '—' },
              { label: 'Ref', cell: (p) => (p.ref ? <code>{p.ref}</code> : '—') },
              { label: 'Field', cell: (p) => (p.field ? <code>{p.field}</code> : '—') },
              { label: 'Problem', cell: (p) => p.message },
            ]}
          />
        </div>
      )}
    </div>
  );
}
