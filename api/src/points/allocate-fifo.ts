import type { Allocation, Lot } from './types.ts';

/** Spending order: earliest expiry first; equal expiry: oldest grant first. */
export function fifoOrder(a: Lot, b: Lot): number {
  return a.expiresAt - b.expiresAt || a.grantSeq - b.grantSeq;
}

/**
 * Takes `amount` from the usable lots (active, not lapsed at `now`, points left) in
 * FIFO order. Returns the allocations, or undefined when the lots do not hold enough.
 */
export function allocateFifo(lots: readonly Lot[], amount: number, now: number): Allocation[] | undefined {
  const usable = lots.filter((l) => !l.pending && l.remaining > 0 && l.expiresAt > now).sort(fifoOrder);
  const allocations: Allocation[] = [];
  let left = amount;
  for (const lot of usable) {
    if (left === 0) break;
    const take = Math.min(lot.remaining, left);
    allocations.push({ grantId: lot.grantId, amount: take });
    left -= take;
  }
  return left === 0 ? allocations : undefined;
}
