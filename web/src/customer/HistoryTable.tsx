/**
 * History, newest first, page by page back to the first event (nextBeforeSeq);
 * where Redis ends and ClickHouse begins is the API's business, not the reader's.
 */
import { Fragment, useState, type ReactNode } from 'react';
import { getHistory } from '../api/endpoints.ts';
import type { HistoryItem } from '../api/types.ts';
import { ErrorMessage } from '../components/ErrorMessage.tsx';
import { Empty, Loading } from '../components/Status.tsx';
import { Table } from '../components/Table.tsx';
import { eventLabel, points, utc } from '../format.ts';
import { useAsync } from '../hooks/useAsync.ts';
import { findHref } from '../hooks/useHashRoute.ts';

export const PAGE_SIZE = 20;
const MINUS = new Set(['POINTS_USED', 'POINTS_HELD', 'POINTS_EXPIRED', 'POINTS_REVOKED']);

const signed = (i: HistoryItem) => `${MINUS.has(i.type) ? '−' : '+'}${points(Math.abs(i.amount))}`;

/** Reason and ids; the order, use and grant link to the lookup page. */
function details(i: HistoryItem): ReactNode[] {
  const parts: [string, ReactNode][] = [];
  if (i.reason) parts.push(['reason', `“${i.reason}”`]);
  for (const [kind, id] of [
    ['order', i.orderId],
    ['use', i.useId],
    ['grant', i.grantId],
  ] as const)
    if (id)
      parts.push([
        kind,
        <a key={kind} href={findHref(id, kind)}>
          {kind} {id}
        </a>,
      ]);
  if (i.cancellationId) parts.push(['cancellation', `cancellation ${i.cancellationId}`]);
  return parts.map(([k, node], n) => (
    <Fragment key={k}>
      {n > 0 && ' · '}
      {node}
    </Fragment>
  ));
}

/** Points cancelled per use, as far as this page shows. */
function cancelledPerUse(items: HistoryItem[]): Map<string, number> {
  const m = new Map<string, number>();
  for (const i of items) if (i.type === 'POINTS_USE_CANCELED' && i.useId) m.set(i.useId, (m.get(i.useId) ?? 0) + i.amount);
  return m;
}

interface Props {
  userId: string;
  stale: boolean;
  onCancelUse: (item: HistoryItem) => void;
}

export function HistoryTable({ userId, stale, onCancelUse }: Props) {
  // The cursors of the pages shown so far: undefined is the newest page.
  const [cursors, setCursors] = useState<(number | undefined)[]>([undefined]);
  const beforeSeq = cursors[cursors.length - 1];
  const page = useAsync((signal) => getHistory(userId, { limit: PAGE_SIZE, beforeSeq, signal }), [userId, beforeSeq]);
  const items = page.data?.items;
  const next = page.data?.nextBeforeSeq ?? null;
  const pageNo = cursors.length;
  const cancelled = cancelledPerUse(items ?? []);

  return (
    <section className={`panel${stale ? ' stale' : ''}`} aria-labelledby="history-title" aria-busy={page.loading || stale}>
      <h2 id="history-title">History{stale && <span className="muted small"> (updating after the command…)</span>}</h2>
      {page.error && <ErrorMessage error={page.error} context="The history could not be loaded." />}
      {!items && page.loading && <Loading what="Loading the history…" />}
      {items && items.length === 0 && (pageNo === 1 ? <Empty>No history: this user has no events yet.</Empty> : <Empty>No older events.</Empty>)}
      {items && items.length > 0 && (
        <Table
          caption={<>Events, newest first, page {pageNo}</>}
          className={`history${page.loading ? ' stale' : ''}`}
          rows={items}
          rowKey={(i) => i.eventId}
          rowAttributes={(i) => ({ 'data-type': i.type })}
          columns={[
            { label: 'Seq', num: true, cell: (i) => i.seq },
            { label: 'When', cell: (i) => utc(i.occurredAt) },
            { label: 'Event', cell: (i) => eventLabel(i.type) },
            { label: 'Points', num: true, cellClass: (i) => `num ${MINUS.has(i.type) ? 'minus' : 'plus'}`, cell: signed },
            { label: 'Balance after', num: true, cell: (i) => points(i.balanceAfter) },
            { label: 'Details', cellClass: () => 'details', cell: (i) => (details(i).length > 0 ? details(i) : '—') },
            {
              label: 'Action',
              actions: true,
              cell: (i) =>
                i.type === 'POINTS_USED' &&
                i.useId &&
                ((cancelled.get(i.useId) ?? 0) >= i.amount ? (
                  <span className="muted small">cancelled</span>
                ) : (
                  <button type="button" className="button button-small" onClick={() => onCancelUse(i)} aria-label={`Cancel the use at seq ${i.seq}`}>
                    Cancel use…
                  </button>
                )),
            },
          ]}
        />
      )}
      {(pageNo > 1 || next !== null) && (
        <nav className="pager" aria-label="History pages">
          <button type="button" className="button" disabled={pageNo === 1 || page.loading} onClick={() => setCursors((c) => c.slice(0, -1))}>
            ← Newer
          </button>
          <span className="muted small">Page {pageNo}</span>
          <button
            type="button"
            className="button"
            disabled={next === null || page.loading}
            onClick={() => {
              if (next !== null) setCursors((c) => [...c, next]);
            }}
          >
            Older →
          </button>
        </nav>
      )}
    </section>
  );
}
