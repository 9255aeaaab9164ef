/**
 * Load something when its inputs change (aborting the previous load), with
 * loading and error states; `reload()` loads again keeping what is shown meanwhile.
 */
import { useCallback, useEffect, useState } from 'react';
import { toApiError, type ApiError } from '../api/errors.ts';

export interface AsyncState<T> {
  data: T | undefined;
  error: ApiError | undefined;
  loading: boolean;
  reload: () => void;
}

interface Inner<T> {
  key: string;
  data?: T;
  error?: ApiError;
  loading: boolean;
}

export function useAsync<T>(load: (signal: AbortSignal) => Promise<T>, deps: readonly unknown[]): AsyncState<T> {
  const key = JSON.stringify(deps);
  const [tick, setTick] = useState(0);
  const [state, setState] = useState<Inner<T>>({ key, loading: true });

  // biome-ignore lint/correctness/useExhaustiveDependencies: `load` is recreated each render; `key` and `tick` say when to load again
  useEffect(() => {
    const ac = new AbortController();
    setState((s) => (s.key === key ? { ...s, loading: true } : { key, loading: true }));
    load(ac.signal).then(
      (data) => {
        if (!ac.signal.aborted) setState({ key, data, loading: false });
      },
      (e: unknown) => {
        if (!ac.signal.aborted) setState((s) => ({ key, data: s.key === key ? s.data : undefined, error: toApiError(e), loading: false }));
      },
    );
    return () => ac.abort();
    // `load` is recreated each render; `key` and `tick` say when to load again.
  }, [key, tick]);

  const reload = useCallback(() => setTick((t) => t + 1), []);
  const current = state.key === key;
  return {
    data: current ? state.data : undefined,
    error: current ? state.error : undefined,
    loading: !current || state.loading,
    reload,
  };
}
