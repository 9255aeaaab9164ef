/** The events a search found, newest first: who, when, what, and every id linked to its lookup. */
import { Fragment, type ReactNode } from 'react';
import type { AdminEvent } from '../../api/types.ts';
import { Table } from '../../components/Table.tsx';
import { eventLabel, points, utc } from '../../format.ts';
import { customerHref, findHref } from '../../hooks/useHashRoute.ts';

/** The types that take points from the balance (as the customer's history shows them). */
const MINUS = new Set(['POINTS_USED', 'POINTS_HELD', 'POINTS_EXPIRED', 'POINTS_REVOKED']);

const signed = (e: AdminEvent) => `${MINUS.has(e.type) ? '−' : '+'}${points(Math.abs(e.amount))}`;

function ids(e: AdminEvent): ReactNode {
  const links = (
    [
      ['order', e.orderId],
      ['grant', e.grantId],
      ['use', e.useId],
      ['hold', e.holdId],
    ] as const
  ).filter((x): x is ['order' | 'grant' | 'use' | 'hold', string] => Boolean(x[1]));
  if (links.length === 0) return '—';
  return links.map(([kind, id], n) => (
    <Fragment key={kind}>
      {n > 0 && ' · '}
      <a href={findHref(id, kind)}>
        {kind} {id}
      </a>
    </Fragment>
  ));
}

function about(e: AdminEvent): ReactNode {
  const parts = [e.reason ? `“${e.reason}”` : null, e.source ? `source ${e.source}` : null].filter(Boolean);
  return parts.length ? parts.join(' · ') : '—';
}

export function EventsTable({ items, caption, stale }: { items: AdminEvent[]; caption: string; stale: boolean }) {
  return (
    <div className="table-scroll">
      <Table
        caption={caption}
        className={`events${stale ? ' stale' : ''}`}
        testId="search-results"
        rows={items}
        rowKey={(e) => e.eventId}
        rowAttributes={(e) => ({ 'data-type': e.type, 'data-user': e.userId })}
        columns={[
          { label: 'When', cell: (e) => utc(e.occurredAt) },
          {
            label: 'User',
            cell: (e) => (
              <a className="user-id" href={customerHref(e.userId)}>
                {e.userId}
              </a>
            ),
          },
          { label: 'Seq', num: true, cell: (e) => e.seq },
          { label: 'Event', cell: (e) => eventLabel(e.type) },
          { label: 'Points', num: true, cellClass: (e) => `num ${MINUS.has(e.type) ? 'minus' : 'plus'}`, cell: signed },
          { label: 'Balance after', num: true, cell: (e) => points(e.balanceAfter) },
          { label: 'Ids', cellClass: () => 'details', cell: ids },
          { label: 'Reason and source', cellClass: () => 'details', cell: about },
        ]}
      />
    </div>
  );
}
