/**
 * The answers of the commands (API.md), built from the events a command produced and
 * the wallet after them. What they return is stored with the idempotency record and
 * sent again on a replay, so a change here is a change of the HTTP contract.
 */
import type { PointEvent, Wallet } from '../points/types.ts';

/** The answer's common part: the command's own event, and the user's seq, balance, held and pending after it. */
function common(main: PointEvent, after: Wallet) {
  return { eventId: main.eventId, userId: after.userId, seq: after.seq, balance: after.balance, held: after.held, pending: after.pending };
}

/** Of each lot given back, whether its share expired or was revoked again at once (the events after the given-back one). */
function restoredOf(events: PointEvent[], e: PointEvent) {
  const later = events.slice(events.indexOf(e) + 1);
  return e.allocations.map((a) => ({
    grantId: a.grantId,
    amount: a.amount,
    expired: later.some((x) => x.type === 'POINTS_EXPIRED' && x.grantId === a.grantId),
    revoked: later.some((x) => x.type === 'POINTS_REVOKED' && x.grantId === a.grantId),
  }));
}

/**
 * The command's own event about this hold. The lazy steps before it release only other
 * holds: had this one lapsed, the command would have been refused (HOLD_NOT_ACTIVE).
 */
function holdEvent(events: PointEvent[], type: PointEvent['type'], holdId: string): PointEvent | undefined {
  return events.find((x) => x.type === type && x.holdId === holdId);
}

function mainEvent(events: PointEvent[], type: PointEvent['type']): PointEvent {
  const e = events.find((x) => x.type === type);
  if (!e) throw new Error(`the decision holds no ${type} event`);
  return e;
}

export const grantAnswer = (grantId: string) => (events: PointEvent[], after: Wallet) => {
  const e = events.find((x) => (x.type === 'POINTS_GRANTED' || x.type === 'POINTS_GRANT_PENDING') && x.grantId === grantId);
  if (!e) throw new Error('the decision holds no grant event');
  return {
    grantId,
    ...common(e, after),
    expiresAt: new Date(e.expiresAt!).toISOString(),
    state: e.type === 'POINTS_GRANT_PENDING' ? ('PENDING' as const) : ('ACTIVE' as const),
    availableAt: e.availableAt === null ? null : new Date(e.availableAt).toISOString(),
  };
};

export const useAnswer = (useId: string) => (events: PointEvent[], after: Wallet) => {
  const e = mainEvent(events, 'POINTS_USED');
  return { useId, ...common(e, after), allocations: e.allocations };
};

/** `restored` says of each lot given back whether its share expired or was revoked again at once. */
export const cancellationAnswer = (cancellationId: string) => (events: PointEvent[], after: Wallet) => {
  const e = mainEvent(events, 'POINTS_USE_CANCELED');
  return { cancellationId, ...common(e, after), restored: restoredOf(events, e) };
};

export const revocationAnswer = (grantId: string) => (events: PointEvent[], after: Wallet) => {
  const e = mainEvent(events, 'POINTS_REVOKED');
  return { grantId, ...common(e, after), revoked: e.amount };
};

export const activationAnswer = (grantId: string) => (events: PointEvent[], after: Wallet) => {
  // The lazy step may have activated the grant already (it came due): that event is the answer's.
  const e = events.find((x) => x.type === 'POINTS_GRANT_ACTIVATED' && x.grantId === grantId);
  if (!e) throw new Error('the decision holds no activation of this grant');
  return { grantId, ...common(e, after), activated: e.amount };
};

export const holdAnswer = (holdId: string) => (events: PointEvent[], after: Wallet) => {
  const e = mainEvent(events, 'POINTS_HELD');
  return { holdId, ...common(e, after), allocations: e.allocations, expiresAt: new Date(e.expiresAt!).toISOString() };
};

export const captureAnswer = (holdId: string) => (events: PointEvent[], after: Wallet) => {
  const used = events.find((x) => x.type === 'POINTS_USED' && x.holdId === holdId);
  if (!used) throw new Error('the decision holds no capture of this hold');
  const rest = holdEvent(events, 'POINTS_HOLD_RELEASED', holdId);
  return {
    holdId,
    useId: used.useId!,
    ...common(used, after),
    captured: used.amount,
    released: rest?.amount ?? 0,
    allocations: used.allocations,
  };
};

export const releaseAnswer = (holdId: string) => (events: PointEvent[], after: Wallet) => {
  const e = holdEvent(events, 'POINTS_HOLD_RELEASED', holdId);
  if (!e) throw new Error('the decision holds no release of this hold');
  return { holdId, ...common(e, after), released: e.amount, restored: restoredOf(events, e) };
};
