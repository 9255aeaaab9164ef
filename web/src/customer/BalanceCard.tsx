/**
 * Balance (what can be spent now), beside it what holds reserve and what is granted but
 * not usable yet, then seq, time of the last update and what expires within 30 days.
 * While a command's seq is not yet in the read model, it shows that it waits, not old numbers.
 */
import { ErrorMessage } from '../components/ErrorMessage.tsx';
import { Loading } from '../components/Status.tsx';
import { describeCode } from '../api/errors.ts';
import { points, utc } from '../format.ts';
import type { BalanceView } from '../hooks/useBalance.ts';

function waitNote(view: Extract<BalanceView, { status: 'waiting' }>): string | null {
  const p = view.progress;
  if (!p) return null;
  if (p.error.code === 'PROJECTION_BEHIND') {
    const at = (p.error.details as { seq?: number } | undefined)?.seq;
    return `The read model is still behind${at !== undefined ? ` (it has seq ${at})` : ''}; still waiting (try ${p.attempt + 1}).`;
  }
  return `${describeCode(p.error.code)} Trying again (try ${p.attempt + 1})…`;
}

/** An API older than holds and pending grants leaves held and pending out: "—", not a made-up 0. */
const amountOrDash = (n: number | undefined) => (n === undefined ? '—' : points(n));

interface Props {
  userId: string;
  view: BalanceView;
  onRefresh: () => void;
}

export function BalanceCard({ userId, view, onRefresh }: Props) {
  return (
    <section className="panel balance-card" aria-labelledby="balance-title" aria-busy={view.status === 'loading' || view.status === 'waiting'}>
      <div className="panel-head">
        <h2 id="balance-title">
          Balance of <span className="user-id">{userId}</span>
        </h2>
        <button type="button" className="button button-small" onClick={onRefresh} disabled={view.status === 'waiting'}>
          Refresh
        </button>
      </div>
      {view.status === 'loading' && <Loading what="Loading the balance…" />}
      {view.status === 'error' && <ErrorMessage error={view.error} context="The balance could not be loaded." />}
      {view.status === 'waiting' && (
        <div className="waiting">
          <p className="big-number" data-testid="balance" aria-hidden="true">
            …
          </p>
          <p role="status" className="notice notice-info">
            Waiting for the read model to catch up to seq {view.seq}…
            {waitNote(view) && (
              <>
                <br />
                <span className="small">{waitNote(view)}</span>
              </>
            )}
          </p>
        </div>
      )}
      {view.status === 'ready' && (
        <>
          <p className="big-number" data-testid="balance">
            {points(view.balance.balance)} <span className="unit">points</span>
          </p>
          <dl className="facts balance-parts">
            <div>
              <dt>Held by active holds</dt>
              <dd data-testid="held">{amountOrDash(view.balance.held)}</dd>
            </div>
            <div>
              <dt>Pending (not usable yet)</dt>
              <dd data-testid="pending">{amountOrDash(view.balance.pending)}</dd>
            </div>
          </dl>
          <dl className="facts">
            <div>
              <dt>Seq</dt>
              <dd data-testid="seq">{view.balance.seq}</dd>
            </div>
            <div>
              <dt>Last update</dt>
              <dd>{view.balance.updatedAt ? utc(view.balance.updatedAt) : 'never'}</dd>
            </div>
            <div>
              <dt>Expiring within {view.balance.expiringSoon.withinDays} days</dt>
              <dd>{points(view.balance.expiringSoon.amount)}</dd>
            </div>
          </dl>
          {view.balance.seq === 0 && <p className="empty">No events for this user yet: an unknown user has a balance of 0 and no history.</p>}
        </>
      )}
    </section>
  );
}
