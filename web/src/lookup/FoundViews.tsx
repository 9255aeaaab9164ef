/**
 * What a lookup found, in words: a grant's state and what is left of it, a use's
 * allocations and cancellations, a hold's state and what it became, an order's grants,
 * uses and holds. Every id links to its own lookup, every user to the customer page.
 */
import type { ReactNode } from 'react';
import type { ActivateReply, GrantAnswer, GrantState, HoldAnswer, HoldState, OrderAnswer, UseAnswer } from '../api/types.ts';
import type { LookupKind } from '../api/endpoints.ts';
import { Badge } from '../components/Badge.tsx';
import { Empty } from '../components/Status.tsx';
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

function Facts({ items }: { items: [string, ReactNode, string?][] }) {
  return (
    <dl className="facts">
      {items.map(([term, value, testId]) => (
        <div key={term}>
          <dt>{term}</dt>
          <dd data-testid={testId}>{value}</dd>
        </div>
      ))}
    </dl>
  );
}

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
        <table className="table responsive">
          <caption className="sr-only">The grants the use took its points from</caption>
          <thead>
            <tr>
              <th scope="col">Grant</th>
              <th scope="col" className="num">
                Points
              </th>
            </tr>
          </thead>
          <tbody>
            {u.allocations.map((a) => (
              <tr key={a.grantId}>
                <td data-label="Grant">
                  <IdLink id={a.grantId} kind="grant" label={`Look up grant ${a.grantId}`} />
                </td>
                <td data-label="Points" className="num">
                  {points(a.amount)}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <h3>Cancellations</h3>
      {u.cancellations.length === 0 ? (
        <Empty>No cancellations.</Empty>
      ) : (
        <table className="table responsive">
          <caption className="sr-only">The cancellations of the use, oldest first</caption>
          <thead>
            <tr>
              <th scope="col">Cancellation</th>
              <th scope="col" className="num">
                Points
              </th>
              <th scope="col">When</th>
            </tr>
          </thead>
          <tbody>
            {u.cancellations.map((c) => (
              <tr key={c.cancellationId}>
                <td data-label="Cancellation">
                  <code className="id">{c.cancellationId}</code>
                </td>
                <td data-label="Points" className="num">
                  {points(c.amount)}
                </td>
                <td data-label="When">{utc(c.occurredAt)}</td>
              </tr>
            ))}
          </tbody>
        </table>
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
          <table className="table responsive" data-testid="order-grants">
            <caption className="sr-only">Grants of the order</caption>
            <thead>
              <tr>
                <th scope="col">Grant</th>
                <th scope="col">User</th>
                <th scope="col">State</th>
                <th scope="col" className="num">
                  Amount
                </th>
                <th scope="col" className="num">
                  Remaining
                </th>
              </tr>
            </thead>
            <tbody>
              {o.grants.map((g) => (
                <tr key={g.grantId}>
                  <td data-label="Grant">
                    <IdLink id={g.grantId} kind="grant" label={`Look up grant ${g.grantId}`} />
                  </td>
                  <td data-label="User">
                    <UserLink userId={g.userId} />
                  </td>
                  <td data-label="State">
                    <GrantStateBadge state={g.state} />
                  </td>
                  <td data-label="Amount" className="num">
                    {points(g.amount)}
                  </td>
                  <td data-label="Remaining" className="num">
                    {points(g.remaining)}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      )}
      {o.uses.length > 0 && (
        <>
          <h3>Uses</h3>
          <table className="table responsive" data-testid="order-uses">
            <caption className="sr-only">Uses of the order</caption>
            <thead>
              <tr>
                <th scope="col">Use</th>
                <th scope="col">User</th>
                <th scope="col" className="num">
                  Amount
                </th>
                <th scope="col" className="num">
                  Cancelled
                </th>
                <th scope="col">From hold</th>
              </tr>
            </thead>
            <tbody>
              {o.uses.map((u) => (
                <tr key={u.useId}>
                  <td data-label="Use">
                    <IdLink id={u.useId} kind="use" label={`Look up use ${u.useId}`} />
                  </td>
                  <td data-label="User">
                    <UserLink userId={u.userId} />
                  </td>
                  <td data-label="Amount" className="num">
                    {points(u.amount)}
                  </td>
                  <td data-label="Cancelled" className="num">
                    {points(u.canceled)}
                  </td>
                  <td data-label="From hold">{u.holdId ? <IdLink id={u.holdId} kind="hold" label={`Look up hold ${u.holdId}`} /> : '—'}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      )}
      {o.holds.length > 0 && (
        <>
          <h3>Holds</h3>
          <table className="table responsive" data-testid="order-holds">
            <caption className="sr-only">Holds of the order</caption>
            <thead>
              <tr>
                <th scope="col">Hold</th>
                <th scope="col">User</th>
                <th scope="col">State</th>
                <th scope="col" className="num">
                  Amount
                </th>
                <th scope="col" className="num">
                  Captured
                </th>
              </tr>
            </thead>
            <tbody>
              {o.holds.map((h) => (
                <tr key={h.holdId}>
                  <td data-label="Hold">
                    <IdLink id={h.holdId} kind="hold" label={`Look up hold ${h.holdId}`} />
                  </td>
                  <td data-label="User">
                    <UserLink userId={h.userId} />
                  </td>
                  <td data-label="State">
                    <HoldStateBadge state={h.state} />
                  </td>
                  <td data-label="Amount" className="num">
                    {points(h.amount)}
                  </td>
                  <td data-label="Captured" className="num">
                    {points(h.captured)}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      )}
    </>
  );
}
