/**
 * The answers of the commands (API.md), built from the events a command produced and
 * the wallet after them. What they return is stored with the idempotency record and
 * sent again on a replay, so a change here is a change of the HTTP contract.
 */
import type { PointEvent, Wallet } from '../points/types.ts';

/** The answer's common part: the command's own event, and the user's seq and balance after it. */
function common(main: PointEvent, after: Wallet) {
  return { eventId: main.eventId, userId: after.userId, seq: after.seq, balance: after.balance };
}

function mainEvent(events: PointEvent[], type: PointEvent['type']): PointEvent {
  const e = events.find((x) => x.type === type);
  if (!e) throw new Error(`the decision holds no ${type} event`);
  return e;
}

export const grantAnswer = (grantId: string) => (events: PointEvent[], after: Wallet) => {
  const e = mainEvent(events, 'POINTS_GRANTED');
  return { grantId, ...common(e, after), expiresAt: new Date(e.expiresAt!).toISOString() };
};

export const useAnswer = (useId: string) => (events: PointEvent[], after: Wallet) => {
  const e = mainEvent(events, 'POINTS_USED');
  return { useId, ...common(e, after), allocations: e.allocations };
};

/** `restored` says of each lot given back whether its share expired or was revoked again at once. */
export const cancellationAnswer = (cancellationId: string) => (events: PointEvent[], after: Wallet) => {
  const e = mainEvent(events, 'POINTS_USE_CANCELED');
  const later = events.slice(events.indexOf(e) + 1);
  const restored = e.allocations.map((a) => ({
    grantId: a.grantId,
    amount: a.amount,
    expired: later.some((x) => x.type === 'POINTS_EXPIRED' && x.grantId === a.grantId),
    revoked: later.some((x) => x.type === 'POINTS_REVOKED' && x.grantId === a.grantId),
  }));
  return { cancellationId, ...common(e, after), restored };
};

export const revocationAnswer = (grantId: string) => (events: PointEvent[], after: Wallet) => {
  const e = mainEvent(events, 'POINTS_REVOKED');
  return { grantId, ...common(e, after), revoked: e.amount };
};
