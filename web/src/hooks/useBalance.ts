/**
 * A user's balance, and read-your-writes after a command: `catchUp(seq)` shows a
 * waiting state (never the old numbers as current) until the read model has `seq`.
 */
import { useCallback, useEffect, useRef, useState } from 'react';
import { getBalance } from '../api/endpoints.ts';
import { toApiError, type ApiError } from '../api/errors.ts';
import type { Balance } from '../api/types.ts';
import { waitForSeq, type WaitProgress } from '../api/wait-for-seq.ts';

export type BalanceView =
  | { status: 'loading' }
  | { status: 'ready'; balance: Balance }
  | { status: 'error'; error: ApiError }
  | { status: 'waiting'; seq: number; progress?: WaitProgress };

export function useBalance(userId: string, options: { waitMs?: number } = {}) {
  const [view, setView] = useState<BalanceView>({ status: 'loading' });
  const running = useRef<AbortController | null>(null);
  const waitMs = options.waitMs;

  const start = useCallback(
    (minSeq?: number): Promise<Balance | null> => {
      running.current?.abort();
      const ac = new AbortController();
      running.current = ac;
      setView(minSeq === undefined ? { status: 'loading' } : { status: 'waiting', seq: minSeq });
      const load =
        minSeq === undefined
          ? getBalance(userId, { signal: ac.signal })
          : waitForSeq(userId, minSeq, {
              signal: ac.signal,
              waitMs,
              onRetry: (progress) => {
                if (!ac.signal.aborted) setView({ status: 'waiting', seq: minSeq, progress });
              },
            });
      return load.then(
        (balance) => {
          if (ac.signal.aborted) return null;
          setView({ status: 'ready', balance });
          return balance;
        },
        (e: unknown) => {
          if (!ac.signal.aborted) setView({ status: 'error', error: toApiError(e) });
          return null;
        },
      );
    },
    [userId, waitMs],
  );

  useEffect(() => {
    void start();
    return () => running.current?.abort();
  }, [start]);

  const catchUp = useCallback((seq: number) => start(seq), [start]);
  const reload = useCallback(() => {
    void start();
  }, [start]);
  return { view, catchUp, reload };
}
