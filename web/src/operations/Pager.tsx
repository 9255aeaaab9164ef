/** First, previous and next page of a cursor-paged search. */
import type { CursorPages } from './useCursorPages.ts';

export function Pager<T>({ pages, label }: { pages: CursorPages<T>; label: string }) {
  const { pageNo, hasNext, page } = pages;
  if (pageNo === 1 && !hasNext) return null;
  return (
    <nav className="pager" aria-label={label}>
      <button type="button" className="button" disabled={pageNo === 1 || page.loading} onClick={pages.first}>
        ← First page
      </button>
      <button type="button" className="button" disabled={pageNo === 1 || page.loading} onClick={pages.previous}>
        Previous page
      </button>
      <span className="muted small" aria-live="polite">
        Page {pageNo}
      </span>
      <button type="button" className="button" disabled={!hasNext || page.loading} onClick={pages.next}>
        Next page →
      </button>
    </nav>
  );
}
