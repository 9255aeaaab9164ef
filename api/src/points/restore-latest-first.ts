import type { Allocation, Lot, UseRecord } from './types.ts';

/**
 * Where a cancellation of `amount` gives points back: to the lots the use took them
 * from, latest-expiring lot first (equal expiry: newest grant first), each up to what
 * it gave and has not had back yet.
 */
export function restoreLatestFirst(use: UseRecord, lots: readonly Lot[], amount: number): Allocation[] {
  const lotById = new Map(lots.map((l) => [l.grantId, l]));
  const order = use.allocations
    .filter((a) => a.amount - a.restored > 0)
    .map((a) => {
      const lot = lotById.get(a.grantId);
      if (!lot) throw new Error(`use ${use.useId} took from lot ${a.grantId}, which is not loaded`);
      return { a, lot };
    })
    .sort((x, y) => y.lot.expiresAt - x.lot.expiresAt || y.lot.grantSeq - x.lot.grantSeq);
  const out: Allocation[] = [];
  let left = amount;
  for (const { a } of order) {
    if (left === 0) break;
    const give = Math.min(a.amount - a.restored, left);
    out.push({ grantId: a.grantId, amount: give });
    left -= give;
  }
  if (left !== 0) throw new Error(`use ${use.useId} cannot take back ${amount}: its allocations are short by ${left}`);
  return out;
}
