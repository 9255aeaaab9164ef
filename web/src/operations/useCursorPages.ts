/**
 * Pages of a search that answers `{items, nextCursor}`: the first page when the inputs
 * change, then one page after another by the cursor each answer hands on (kept in a stack,
 * so "previous" needs no cursor of its own).
 */
import { useState } from 'react';
import type { CursorPage } from '../api/types.ts';
import { type AsyncState, useAsync } from '../hooks/useAsync.ts';

export interface CursorPages<T> {
  page: AsyncState<CursorPage<T>>;
  /** 1 for the first page. */
  pageNo: number;
  hasNext: boolean;
  next: () => void;
  previous: () => void;
  first: () => void;
}

export function useCursorPages<T>(load: (cursor: string | undefined, signal: AbortSignal) => Promise<CursorPage<T>>, deps: readonly unknown[]): CursorPages<T> {
  const key = JSON.stringify(deps);
  const [stacked, setStacked] = useState<{ key: string; cursors: (string | undefined)[] }>({ key, cursors: [undefined] });
  // Other inputs: back to the first page.
  const cursors = stacked.key === key ? stacked.cursors : [undefined];
  const cursor = cursors[cursors.length - 1];
  const page = useAsync((signal) => load(cursor, signal), [...deps, cursor ?? null]);
  const nextCursor = page.data?.nextCursor ?? null;
  return {
    page,
    pageNo: cursors.length,
    hasNext: nextCursor !== null,
    next: () => {
      if (nextCursor !== null) setStacked({ key, cursors: [...cursors, nextCursor] });
    },
    previous: () => setStacked({ key, cursors: cursors.length > 1 ? cursors.slice(0, -1) : cursors }),
    first: () => setStacked({ key, cursors: [undefined] }),
  };
}
