/**
 * A batch's status, asked for every second (after each answer, never two at once) until
 * the API says DONE. A failed ask (the API restarting) is shown and asked again.
 */
import { useEffect, useState } from 'react';
import { getGrantBatch } from '../../api/endpoints.ts';
import { toApiError, type ApiError } from '../../api/errors.ts';
import type { BatchStatus } from '../../api/types.ts';

export const POLL_MS = 1000;

export function useBatchStatus(batchId: string, everyMs = POLL_MS): { status: BatchStatus | undefined; error: ApiError | undefined } {
  const [state, setState] = useState<{ batchId: string; status?: BatchStatus; error?: ApiError }>({ batchId });
  useEffect(() => {
    const ac = new AbortController();
    let timer: ReturnType<typeof setTimeout> | undefined;
    const once = async () => {
      let done = false;
      try {
        const status = await getGrantBatch(batchId, ac.signal);
        if (ac.signal.aborted) return;
        done = status.state === 'DONE';
        setState({ batchId, status });
      } catch (e) {
        if (ac.signal.aborted) return;
        setState((s) => ({ ...(s.batchId === batchId ? s : { batchId }), error: toApiError(e) }));
      }
      if (!done && !ac.signal.aborted)
        timer = setTimeout(() => {
          void once();
        }, everyMs);
    };
    setState({ batchId });
    void once();
    return () => {
      ac.abort();
      clearTimeout(timer);
    };
  }, [batchId, everyMs]);
  return state.batchId === batchId ? { status: state.status, error: state.error } : { status: undefined, error: undefined };
}
