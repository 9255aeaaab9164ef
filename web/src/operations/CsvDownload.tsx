/**
 * "Download CSV": every match of the search (`format=csv`), fetched with the key in the
 * Authorization header (a plain link could not send it) and saved as a file from a blob URL.
 * The blob URL lives until the next download or until the page goes away.
 */
import { useCallback, useEffect, useRef, useState } from 'react';
import { downloadCsv, type SearchParams } from '../api/endpoints.ts';
import { toApiError, type ApiError } from '../api/errors.ts';
import { ErrorMessage } from '../components/ErrorMessage.tsx';
import { bytes } from '../format.ts';

type State = { status: 'idle' } | { status: 'downloading' } | { status: 'saved'; size: number } | { status: 'failed'; error: ApiError };

interface Props {
  path: '/v1/admin/events' | '/v1/admin/users';
  filters: SearchParams;
  /** The file's name without `.csv`; the UTC time of the download is added. */
  name: string;
}

/** `events-2026-12-03T101502Z.csv`. */
export const csvFileName = (name: string, now = new Date()) => `${name}-${now.toISOString().slice(0, 19).replaceAll(':', '')}Z.csv`;

export function CsvDownload({ path, filters, name }: Props) {
  const [state, setState] = useState<State>({ status: 'idle' });
  const url = useRef<string | null>(null);
  const forget = useCallback(() => {
    if (url.current) URL.revokeObjectURL(url.current);
    url.current = null;
  }, []);
  useEffect(() => forget, [forget]);

  const download = async () => {
    setState({ status: 'downloading' });
    // The export has no limit: the page size is not one of its filters.
    const { limit: _limit, ...all } = filters;
    try {
      const blob = await downloadCsv(path, all);
      forget();
      url.current = URL.createObjectURL(blob);
      const a = document.createElement('a');
      a.href = url.current;
      a.download = csvFileName(name);
      document.body.append(a);
      a.click();
      a.remove();
      setState({ status: 'saved', size: blob.size });
    } catch (e) {
      setState({ status: 'failed', error: toApiError(e) });
    }
  };

  return (
    <div className="csv-download">
      <button
        type="button"
        className="button"
        onClick={() => void download()}
        disabled={state.status === 'downloading'}
        aria-busy={state.status === 'downloading' || undefined}
      >
        {state.status === 'downloading' ? 'Downloading…' : 'Download CSV'}
      </button>
      <span className="muted small">every match of these filters, no page limit</span>
      {state.status === 'saved' && (
        <p className="muted small" role="status">
          Saved the CSV ({bytes(state.size)}).
        </p>
      )}
      {state.status === 'failed' && <ErrorMessage error={state.error} context="The CSV could not be downloaded." />}
    </div>
  );
}
