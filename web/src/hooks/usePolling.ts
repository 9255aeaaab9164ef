/** Load now and again every `everyMs` after each answer (never two at once); keeps the last good data. */
import { useCallback, useEffect, useRef, useState } from 'react';
import { toApiError, type ApiError } from '../api/errors.ts';

export interface Polled<T> {
  data: T | undefined;
  /** When `data` was fetched. */
  at: Date | undefined;
  error: ApiError | undefined;
  /** When the last try ended, good or not. */
  triedAt: Date | undefined;
  refreshNow: () => void;
}

export function usePolling<T>(load: (signal: AbortSignal) => Promise<T>, everyMs: number): Polled<T> {
  const [state, setState] = useState<Omit<Polled<T>, 'refreshNow'>>({ data: undefined, at: undefined, error: undefined, triedAt: undefined });
  const [tick, setTick] = useState(0);
  const loadRef = useRef(load);
  loadRef.current = load;

  // biome-ignore lint/correctness/useExhaustiveDependencies: `tick` is the "refresh now" trigger; `load` is read through a ref
  useEffect(() => {
    const ac = new AbortController();
    let timer: ReturnType<typeof setTimeout> | undefined;
    const once = async () => {
      try {
        const data = await loadRef.current(ac.signal);
        if (ac.signal.aborted) return;
        const now = new Date();
        setState({ data, at: now, error: undefined, triedAt: now });
      } catch (e) {
        if (ac.signal.aborted) return;
        setState((s) => ({ ...s, error: toApiError(e), triedAt: new Date() }));
      }
      if (!ac.signal.aborted)
        timer = setTimeout(() => {
          void once();
        }, everyMs);
    };
    void once();
    return () => {
      ac.abort();
      clearTimeout(timer);
    };
  }, [everyMs, tick]);

  const refreshNow = useCallback(() => setTick((t) => t + 1), []);
  return { ...state, refreshNow };
}
