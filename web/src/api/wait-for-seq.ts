/**
 * Read-your-writes: ask for the balance with minSeq until the read model has the
 * command's seq. A 504 PROJECTION_BEHIND, a network error or a 503 is reported and
 * tried again; any other error ends the wait.
 */
import { getBalance } from './endpoints.ts';
import { toApiError, type ApiError } from './errors.ts';
import type { Balance } from './types.ts';

export interface WaitProgress {
  attempt: number;
  error: ApiError;
}

export interface WaitOptions {
  signal: AbortSignal;
  /** How long the API holds each request (max 10000). */
  waitMs?: number;
  onRetry?: (p: WaitProgress) => void;
  /** Pause between tries after an error that is not PROJECTION_BEHIND. */
  retryDelayMs?: number;
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const t = setTimeout(resolve, ms);
    signal.addEventListener(
      'abort',
      () => {
        clearTimeout(t);
        reject(new DOMException('aborted', 'AbortError'));
      },
      { once: true },
    );
  });
}

export async function waitForSeq(userId: string, minSeq: number, opts: WaitOptions): Promise<Balance> {
  const { signal, waitMs = 5000, retryDelayMs = 1000 } = opts;
  for (let attempt = 1; ; attempt++) {
    try {
      return await getBalance(userId, { minSeq, waitMs, signal });
    } catch (e) {
      if (signal.aborted) throw e;
      const error = toApiError(e);
      const again = error.code === 'PROJECTION_BEHIND' || error.retryable || error.code === 'RATE_LIMITED';
      if (!again) throw error;
      opts.onRetry?.({ attempt, error });
      // The API already waited waitMs before a 504; other errors get a pause.
      await sleep(error.code === 'PROJECTION_BEHIND' ? 100 : retryDelayMs, signal);
    }
  }
}
