import type { Lot, PointEvent, UseRecord, Wallet } from './types.ts';

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

/** The wallet after one event. Pure: returns a new wallet, the argument is untouched. */
export function evolve(state: Wallet, event: PointEvent): Wallet {
  const w: Wallet = {
    ...state,
    lots: state.lots.map((l) => ({ ...l })),
    uses: state.uses.map((u) => ({ ...u, allocations: u.allocations.map((a) => ({ ...a })) })),
    seq: event.seq,
  };
  switch (event.type) {
    case 'POINTS_GRANTED':
      w.lots.push({
        grantId: event.grantId!,
        amount: event.amount,
        remaining: event.amount,
        expiresAt: event.expiresAt!,
        grantedAt: event.occurredAt,
        grantSeq: event.seq,
        revoked: false,
      });
      w.balance += event.amount;
      break;
    case 'POINTS_USED':
      for (const a of event.allocations) lotOf(w, a.grantId, event).remaining -= a.amount;
      w.uses.push({
        useId: event.useId!,
        amount: event.amount,
        canceled: 0,
        allocations: event.allocations.map((a) => ({ ...a, restored: 0 })),
      });
      w.balance -= event.amount;
      break;
    case 'POINTS_USE_CANCELED': {
      const use = findUse(w, event.useId!, event);
      use.canceled += event.amount;
      for (const a of event.allocations) {
        const ua = use.allocations.find((x) => x.grantId === a.grantId);
        if (!ua) throw new Error(`cancellation gives back to ${a.grantId}, which use ${use.useId} did not take from`);
        ua.restored += a.amount;
        lotOf(w, a.grantId, event).remaining += a.amount;
      }
      w.balance += event.amount;
      break;
    }
    case 'POINTS_EXPIRED':
      lotOf(w, event.grantId!, event).remaining -= event.amount;
      w.balance -= event.amount;
      break;
    case 'POINTS_REVOKED': {
      const lot = lotOf(w, event.grantId!, event);
      lot.remaining -= event.amount;
      lot.revoked = true;
      w.balance -= event.amount;
      break;
    }
  }
  return w;
}
