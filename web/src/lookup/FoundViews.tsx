/**
 * What a lookup found, in words: a grant's state and what is left of it, a use's
 * allocations and cancellations, a hold's state and what it became, an order's grants,
 * uses and holds. Every id links to its own lookup, every user to the customer page.
 */
import type { ActivateReply, GrantAnswer, GrantState, HoldAnswer, HoldState, OrderAnswer, UseAnswer } from '../api/types.ts';
import type { LookupKind } from '../api/endpoints.ts';
import { Badge } from '../components/Badge.tsx';
import { Facts } from '../components/Facts.tsx';
import { Empty } from '../components/Status.tsx';
import { Table } from '../components/Table.tsx';
import { ActivateButton } from '../forms/ActivateButton.tsx';
import { points, utc } from '../format.ts';
import { customerHref, findHref } from '../hooks/useHashRoute.ts';

const GRANT_TONE: Record<GrantState, 'ok' | 'warn' | 'bad' | 'info'> = { PENDING: 'info', ACTIVE: 'ok', SPENT: 'info', EXPIRED: 'warn', REVOKED: 'bad' };
const HOLD_TONE: Record<HoldState, 'ok' | 'warn' | 'bad' | 'info'> = { ACTIVE: 'ok', CAPTURED: 'info', RELEASED: 'warn' };

export const GrantStateBadge = ({ state }: { state: GrantState }) => <Badge tone={GRANT_TONE[state] ?? 'info'}>{state}</Badge>;
export const HoldStateBadge = ({ state }: { state: HoldState }) => <Badge tone={HOLD_TONE[state] ?? 'info'}>{state}</Badge>;

/** An id as a link to its lookup. */
export const IdLink = ({ id, kind, label }: { id: string; kind: LookupKind; label?: string }) => (
  <a href={findHref(id, kind)} aria-label={label}>
    <code className="id">{id}</code>
  </a>
);

const UserLink = ({ userId }: { userId: string }) => (
  <a href={customerHref(userId)} className="user-id">
    {userId}
  </a>
);

const orderLink = (orderId: string | undefined) =>
  orderId ? (
    <a key="order" href={findHref(orderId, 'order')}>
      {orderId}
    </a>
  ) : (
    '—'
  );

interface GrantProps {
  grant: GrantAnswer;
  /** Shown while the grant is pending, and after its activation (for the answer). */
  showActivate: boolean;
  onActivated: (r: ActivateReply) => void;
}

export function GrantView({ grant: g, showActivate, onActivated }: GrantProps) {
  return (
    <>
      <h2>
        <span>Grant</span> <code className="id">{g.grantId}</code> <GrantStateBadge state={g.state} />
      </h2>
      <Facts
        items={[
          ['User', <UserLink key="user" userId={g.userId} />],
          ['State', g.state, 'grant-state'],
          ['Amount', points(g.amount), 'grant-amount'],
          [g.state === 'PENDING' ? 'Pending' : 'Remaining', points(g.remaining), 'grant-remaining'],
          ['Usable from', g.availableAt ? utc(g.availableAt) : 'at once'],
          ['Expires', utc(g.expiresAt)],
          ['Order', orderLink(g.orderId), 'grant-order'],
          ['Reason', g.reason || '—'],
          ['Source', g.source ?? '—'],
        ]}
      />
      {g.state === 'PENDING' && <p className="muted small">Pending: its points are not in the balance and cannot be used until {utc(g.availableAt)}.</p>}
      {showActivate && <ActivateButton key={g.grantId} grantId={g.grantId} onCommitted={onActivated} />}
    </>
  );
}

export function UseView({ use: u }: { use: UseAnswer }) {
  return (
    <>
      <h2>
        <span>Use</span> <code className="id">{u.useId}</code>
      </h2>
      <Facts
        items={[
          ['User', <UserLink key="user" userId={u.userId} />],
          ['Amount', points(u.amount), 'use-amount'],
          ['Cancelled', points(u.canceled), 'use-canceled'],
          ['Left to cancel', points(u.amount - u.canceled)],
          ['Order', orderLink(u.orderId)],
          ['From hold', u.holdId ? <IdLink key="hold" id={u.holdId} kind="hold" /> : '—'],
        ]}
      />
      <h3>Allocations</h3>
      {u.allocations.length === 0 ? (
        <Empty>No allocations.</Empty>
      ) : (
        <Table
          caption="The grants the use took its points from"
          rows={u.allocations}
          rowKey={(a) => a.grantId}
          columns={[
            { label: 'Grant', cell: (a) => <IdLink id={a.grantId} kind="grant" label={`Look up grant ${a.grantId}`} /> },
            { label: 'Points', num: true, cell: (a) => points(a.amount) },
          ]}
        />
      )}
      <h3>Cancellations</h3>
      {u.cancellations.length === 0 ? (
        <Empty>No cancellations.</Empty>
      ) : (
        <Table
          caption="The cancellations of the use, oldest first"
          rows={u.cancellations}
          rowKey={(c) => c.cancellationId}
          columns={[
            { label: 'Cancellation', cell: (c) => <code className="id">{c.cancellationId}</code> },
            { label: 'Points', num: true, cell: (c) => points(c.amount) },
            { label: 'When', cell: (c) => utc(c.occurredAt) },
          ]}
        />
      )}
    </>
  );
}

export function HoldView({ hold: h }: { hold: HoldAnswer }) {
  return (
    <>
      <h2>
        <span>Hold</span> <code className="id">{h.holdId}</code> <HoldStateBadge state={h.state} />
      </h2>
      <Facts
        items={[
          ['User', <UserLink key="user" userId={h.userId} />],
          ['State', h.state, 'hold-state'],
          ['Amount', points(h.amount), 'hold-amount'],
          ['Captured', points(h.captured), 'hold-captured'],
          [h.state === 'ACTIVE' ? 'Lapses' : 'Expiry', utc(h.expiresAt)],
          ['Order', orderLink(h.orderId)],
          ['Use', h.useId ? <IdLink key="use" id={h.useId} kind="use" label={`Look up use ${h.useId}`} /> : '—', 'hold-use'],
        ]}
      />
    </>
  );
}

export function OrderView({ order: o }: { order: OrderAnswer }) {
  const nothing = o.grants.length + o.uses.length + o.holds.length === 0;
  return (
    <>
      <h2>
        <span>Order</span> <span className="user-id">{o.orderId}</span>
      </h2>
      {nothing && <Empty>Nothing carries this order id (or the read model has not seen it yet).</Empty>}
      {o.grants.length > 0 && (
        <>
          <h3>Grants</h3>
          <Table
            caption="Grants of the order"
            testId="order-grants"
            rows={o.grants}
            rowKey={(g) => g.grantId}
            columns={[
              { label: 'Grant', cell: (g) => <IdLink id={g.grantId} kind="grant" label={`Look up grant ${g.grantId}`} /> },
              { label: 'User', cell: (g) => <UserLink userId={g.userId} /> },
              { label: 'State', cell: (g) => <GrantStateBadge state={g.state} /> },
              { label: 'Amount', num: true, cell: (g) => points(g.amount) },
              { label: 'Remaining', num: true, cell: (g) => points(g.remaining) },
            ]}
          />
        </>
      )}
      {o.uses.length > 0 && (
        <>
          <h3>Uses</h3>
          <Table
            caption="Uses of the order"
            testId="order-uses"
            rows={o.uses}
            rowKey={(u) => u.useId}
            columns={[
              { label: 'Use', cell: (u) => <IdLink id={u.useId} kind="use" label={`Look up use ${u.useId}`} /> },
              { label: 'User', cell: (u) => <UserLink userId={u.userId} /> },
              { label: 'Amount', num: true, cell: (u) => points(u.amount) },
              { label: 'Cancelled', num: true, cell: (u) => points(u.canceled) },
              { label: 'From hold', cell: (u) => (u.holdId ? <IdLink id={u.holdId} kind="hold" label={`Look up hold ${u.holdId}`} /> : '—') },
            ]}
          />
        </>
      )}
      {o.holds.length > 0 && (
        <>
          <h3>Holds</h3>
          <Table
            caption="Holds of the order"
            testId="order-holds"
            rows={o.holds}
            rowKey={(h) => h.holdId}
            columns={[
              { label: 'Hold', cell: (h) => <IdLink id={h.holdId} kind="hold" label={`Look up hold ${h.holdId}`} /> },
              { label: 'User', cell: (h) => <UserLink userId={h.userId} /> },
              { label: 'State', cell: (h) => <HoldStateBadge state={h.state} /> },
              { label: 'Amount', num: true, cell: (h) => points(h.amount) },
              { label: 'Captured', num: true, cell: (h) => points(h.captured) },
            ]}
          />
        </>
      )}
    </>
  );
}
