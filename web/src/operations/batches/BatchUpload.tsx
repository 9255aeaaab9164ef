/**
 * The upload form of a grant batch: a CSV file, or rows pasted below the header; sent as
 * text/csv with one Idempotency-Key per upload. A refused batch shows its bad rows by line.
 */
import { type FormEvent, useRef, useState } from 'react';
import { ErrorMessage } from '../../components/ErrorMessage.tsx';
import { bytes, points } from '../../format.ts';
import { BATCH_HEADER, MAX_BYTES, SAMPLE_ROWS } from './batch.ts';
import { RowProblems } from './RowProblems.tsx';
import type { BatchSource, UploadState } from './useBatchUpload.ts';

interface Props {
  state: UploadState;
  onUpload: (source: BatchSource) => void;
}

const PASTE_START = `${BATCH_HEADER}\n`;

export function BatchUpload({ state, onUpload }: Props) {
  const [file, setFile] = useState<File | null>(null);
  const [text, setText] = useState(PASTE_START);
  const [problem, setProblem] = useState<string | undefined>();
  const fileInput = useRef<HTMLInputElement>(null);
  const sending = state.status === 'sending';
  const pasted = text.trim() !== '' && text.trim() !== BATCH_HEADER;

  const onSubmit = (e: FormEvent) => {
    e.preventDefault();
    const size = file ? file.size : new Blob([text]).size;
    const found =
      !file && !pasted
        ? 'Choose a CSV file, or paste rows below the header.'
        : size > MAX_BYTES
          ? `The batch is ${bytes(size)}: at most 10 MiB go in one batch.`
          : undefined;
    setProblem(found);
    if (!found) onUpload(file ? { kind: 'file', file } : { kind: 'text', text });
  };
  const clearFile = () => {
    setFile(null);
    if (fileInput.current) fileInput.current.value = '';
  };

  return (
    <form className="panel batch-upload" onSubmit={onSubmit} noValidate aria-labelledby="batch-upload-title">
      <h2 id="batch-upload-title">Upload a batch of grants</h2>
      <p>
        One grant per row, up to {points(100_000)} rows and 10 MiB. Every row is checked first: one bad row and nothing starts. The header line, and two rows as
        an example (<code>validDays</code> or <code>expiresAt</code>; <code>availableAt</code> for pending points):
      </p>
      <pre className="sample" data-testid="batch-sample">
        {[BATCH_HEADER, ...SAMPLE_ROWS].join('\n')}
      </pre>
      <div className={`field${problem ? ' field-invalid' : ''}`}>
        <label htmlFor="batch-file">CSV file</label>
        <input
          id="batch-file"
          ref={fileInput}
          type="file"
          accept=".csv,text/csv"
          onChange={(e) => setFile(e.target.files?.[0] ?? null)}
          aria-describedby={problem ? 'batch-problem' : undefined}
        />
        {file && (
          <p className="hint">
            {file.name} ({bytes(file.size)}) will be sent, not the pasted rows.{' '}
            <button type="button" className="button button-small" onClick={clearFile}>
              Remove the file
            </button>
          </p>
        )}
      </div>
      <div className="field">
        <label htmlFor="batch-text">Or paste the rows</label>
        <textarea
          id="batch-text"
          className="csv-text"
          rows={8}
          value={text}
          onChange={(e) => setText(e.target.value)}
          spellCheck={false}
          disabled={file !== null}
        />
        <p className="hint">Below the header line, one row per line.</p>
      </div>
      {problem && (
        <p id="batch-problem" className="field-error">
          {problem}
        </p>
      )}
      <button type="submit" className="button button-primary" disabled={sending} aria-busy={sending || undefined}>
        {sending ? 'Uploading…' : 'Upload the batch'}
      </button>
      {state.status === 'sending' && (
        <p className="notice" role="status">
          {state.reusedKey ? 'Uploading again with the same request key…' : 'Uploading…'}
        </p>
      )}
      {state.status === 'failed' && state.error.code === 'VALIDATION_FAILED' && <RowProblems error={state.error} />}
      {state.status === 'failed' && state.error.code !== 'VALIDATION_FAILED' && (
        <>
          <ErrorMessage error={state.error} context="The batch was not accepted." />
          {state.error.retryable && (
            <p className="notice notice-warn small">
              It is not known whether the API got it. Uploading the same file again is safe: it reuses the same request key (Idempotency-Key), so the batch
              starts at most once.
            </p>
          )}
        </>
      )}
      {state.status === 'accepted' && (
        <p className="notice notice-ok" role="status" data-testid="batch-accepted">
          Accepted: {points(state.batch.total)} rows, batch <code>{state.batch.batchId}</code>. The grants run in the background.
        </p>
      )}
    </form>
  );
}
