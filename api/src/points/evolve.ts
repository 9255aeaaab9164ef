import type { Allocation, HoldRecord, Lot, PointEvent, UseRecord, Wallet } from './types.ts';

function lotOf(wallet: Wallet, grantId: string, event: PointEvent): Lot {
  const lot = wallet.lots.find((l) => l.grantId === grantId);
  if (!lot) throw new Error(`event ${event.seq} (${event.type}) names lot ${grantId}, which is not loaded`);
  return lot;
}

function findUse(wallet: Wallet, useId: string, event: PointEvent): UseRecord {
  const use = wallet.uses.find((u) => u.useId === useId);
  if (!use) throw new Error(`event ${event.seq} (${event.type}) names use ${useId}, which is not loaded`);
  return use;
}

function holdOf(wallet: Wallet, holdId: string, event: PointEvent): HoldRecord {
  const hold = wallet.holds.find((h) => h.holdId === holdId);
  if (!hold) throw new Error(`event ${event.seq} (${event.type}) names hold ${holdId}, which is not loaded`);
  return hold;
}

function newLot(event: PointEvent, pending: boolean): Lot {
  return {
    grantId: event.grantId!,
    amount: event.amount,
    remaining: event.amount,
    expiresAt: event.expiresAt!,
    grantedAt: event.occurredAt,
    grantSeq: event.seq,
    revoked: false,
    pending,
    availableAt: pending ? event.availableAt : null,
  };
}

/** Moves `allocations` between the lots' remaining and the outside: +1 gives to the lots, −1 takes. */
function moveLots(w: Wallet, allocations: readonly Allocation[], sign: 1 | -1, event: PointEvent): void {
  for (const a of allocations) lotOf(w, a.grantId, event).remaining += sign * a.amount;
}

/** The wallet after one event. Pure: returns a new wallet, the argument is untouched. */
export function evolve(state: Wallet, event: PointEvent): Wallet {
  const w: Wallet = {
    ...state,
    lots: state.lots.map((l) => ({ ...l })),
    uses: state.uses.map((u) => ({ ...u, allocations: u.allocations.map((a) => ({ ...a })) })),
    holds: state.holds.map((h) => ({ ...h, allocations: h.allocations.map((a) => ({ ...a })) })),
    seq: event.seq,
  };
  switch (event.type) {
    case 'POINTS_GRANTED':
      w.lots.push(newLot(event, false));
      w.balance += event.amount;
      break;
    case 'POINTS_GRANT_PENDING':
      w.lots.push(newLot(event, true));
      w.pending += event.amount;
      break;
    case 'POINTS_GRANT_ACTIVATED':
      // The amount is all the lot has left: it moves from pending to balance at once.
      lotOf(w, event.grantId!, event).pending = false;
      w.pending -= event.amount;
      w.balance += event.amount;
      break;
    case 'POINTS_HELD':
      moveLots(w, event.allocations, -1, event);
      w.holds.push({
        holdId: event.holdId!,
        amount: event.amount,
        allocations: event.allocations.map((a) => ({ ...a })),
        expiresAt: event.expiresAt!,
        orderId: event.orderId,
        state: 'ACTIVE',
        captured: 0,
        released: 0,
        useId: null,
      });
      w.balance -= event.amount;
      w.held += event.amount;
      break;
    case 'POINTS_USED':
      if (event.holdId !== null) {
        // A capture: the hold took the points from the lots already, and from the balance.
        const hold = holdOf(w, event.holdId, event);
        hold.state = 'CAPTURED';
        hold.captured = event.amount;
        hold.useId = event.useId;
        w.held -= event.amount;
      } else {
        moveLots(w, event.allocations, -1, event);
        w.balance -= event.amount;
      }
      w.uses.push({
        useId: event.useId!,
        amount: event.amount,
        canceled: 0,
        allocations: event.allocations.map((a) => ({ ...a, restored: 0 })),
      });
      break;
    case 'POINTS_HOLD_RELEASED': {
      const hold = holdOf(w, event.holdId!, event);
      hold.released += event.amount;
      // The rest of a partial capture: the hold stays what the capture made it.
      if (hold.state !== 'CAPTURED') hold.state = 'RELEASED';
      moveLots(w, event.allocations, 1, event);
      w.held -= event.amount;
      w.balance += event.amount;
      break;
    }
    case 'POINTS_USE_CANCELED': {
      const use = findUse(w, event.useId!, event);
      use.canceled += event.amount;
      for (const a of event.allocations) {
        const ua = use.allocations.find((x) => x.grantId === a.grantId);
        if (!ua) throw new Error(`cancellation gives back to ${a.grantId}, which use ${use.useId} did not take from`);
        ua.restored += a.amount;
      }
      moveLots(w, event.allocations, 1, event);
      w.balance += event.amount;
      break;
    }
    case 'POINTS_EXPIRED':
      lotOf(w, event.grantId!, event).remaining -= event.amount;
      w.balance -= event.amount;
      break;
    case 'POINTS_REVOKED': {
      // From what remains of the lot, pending or active. Only a revocation that leaves
      // nothing closes the lot (Lot.revoked): after a partial one the rest is still the
      // user's, so points given back to the lot later stay in it.
      const lot = lotOf(w, event.grantId!, event);
      lot.remaining -= event.amount;
      if (lot.remaining === 0) lot.revoked = true;
      if (lot.pending) w.pending -= event.amount;
      else w.balance -= event.amount;
      break;
    }
  }
  return w;
}
