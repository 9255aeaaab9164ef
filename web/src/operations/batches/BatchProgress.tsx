/** A running batch: a progress bar (asked every second) until DONE, then its totals and the failed rows' errors. */
import { ErrorMessage } from '../../components/ErrorMessage.tsx';
import { Facts } from '../../components/Facts.tsx';
import { Loading } from '../../components/Status.tsx';
import { Table } from '../../components/Table.tsx';
import { describeCode } from '../../api/errors.ts';
import { points } from '../../format.ts';
import { batchProgress } from './batch.ts';
import { useBatchStatus } from './useBatchStatus.ts';

export function BatchProgress({ batchId }: { batchId: string }) {
  const { status, error } = useBatchStatus(batchId);
  const p = status ? batchProgress(status) : undefined;
  return (
    <section className="panel" aria-labelledby="batch-progress-title" aria-busy={!p?.finished} data-testid="batch-progress">
      <h2 id="batch-progress-title">
        Batch <code>{batchId}</code>
      </h2>
      {error && (
        <ErrorMessage
          error={error}
          context={status ? 'The last progress check failed; asking again every second.' : 'The batch could not be read; asking again every second.'}
        />
      )}
      {!status && !error && <Loading what="Reading the batch…" />}
      {status && p && (
        <>
          <div className="progress-line">
            <progress max={100} value={p.percent} aria-label={`Batch progress: ${p.percent} %`} />
            <span className="progress-text" role="status" aria-live="polite" data-testid="batch-state">
              {p.finished ? 'DONE' : 'RUNNING'} · {points(p.processed)} of {points(status.total)} rows ({p.percent} %)
            </span>
          </div>
          <Facts
            items={[
              ['State', status.state, 'batch-state-word'],
              ['Rows', points(status.total), 'batch-total'],
              ['Granted', points(status.done), 'batch-done'],
              ['Failed', points(status.failed), 'batch-failed'],
            ]}
          />
          {p.finished && status.failed === 0 && (
            <p className="notice notice-ok" role="status">
              Every row was granted.
            </p>
          )}
          {status.errors.length > 0 && (
            <>
              <h3>Failed rows{status.errors.length < status.failed ? ` (the first ${points(status.errors.length)} of ${points(status.failed)})` : ''}</h3>
              <div className="table-scroll">
                <Table
                  caption="The rows of the batch that failed"
                  testId="batch-errors"
                  rows={status.errors}
                  rowKey={(e) => e.ref}
                  columns={[
                    { label: 'Ref', cell: (e) => <code>{e.ref}</code> },
                    { label: 'Code', cell: (e) => <code>{e.code}</code> },
                    { label: 'Problem', cell: (e) => `${describeCode(e.code)} ${e.message}` },
                  ]}
                />
              </div>
            </>
          )}
        </>
      )}
    </section>
  );
}
