/**
 * Holds: which one a capture or a release may act on, and the release of what is
 * outstanding of one (a release, a lapse, the rest of a partial capture), in one place.
 */
import { DomainError } from './errors.ts';
import type { Events } from './decision.ts';
import { settleReturnedShares } from './returned-shares.ts';
import type { Allocation, HoldRecord } from './types.ts';

/** The hold a capture or release names; NOT_FOUND, or HOLD_NOT_ACTIVE once captured, released or lapsed. */
export function activeHold(ev: Events, holdId: string): HoldRecord {
  const hold = ev.state.holds.find((h) => h.holdId === holdId);
  if (!hold) throw new DomainError('NOT_FOUND', `hold ${holdId} does not exist`, { holdId });
  if (hold.state !== 'ACTIVE') {
    // A hold that lapsed at or before now was released by the lazy step of this very command.
    const lapsed = ev.list.some((e) => e.type === 'POINTS_HOLD_RELEASED' && e.holdId === holdId);
    const why = lapsed ? `lapsed at ${new Date(hold.expiresAt).toISOString()}` : `is ${hold.state.toLowerCase()}`;
    throw new DomainError('HOLD_NOT_ACTIVE', `hold ${holdId} ${why}`, { holdId, state: hold.state });
  }
  return hold;
}

/** The first `n` points of `allocations` in their order, and the rest. */
export function splitAllocations(allocations: readonly Allocation[], n: number): [Allocation[], Allocation[]] {
  const first: Allocation[] = [];
  const rest: Allocation[] = [];
  let left = n;
  for (const a of allocations) {
    const take = Math.min(a.amount, left);
    if (take > 0) first.push({ grantId: a.grantId, amount: take });
    if (a.amount > take) rest.push({ grantId: a.grantId, amount: a.amount - take });
    left -= take;
  }
  return [first, rest];
}

/**
 * What of the hold's allocations is still outstanding. A capture takes the first part
 * of the allocations (earliest expiry first) and the release that follows the rest, so
 * what is outstanding is all but the first captured + released points.
 */
export function outstandingAllocations(hold: HoldRecord): Allocation[] {
  return splitAllocations(hold.allocations, hold.captured + hold.released)[1];
}

/** Active holds whose expiry has come at `now`, earliest first (equal expiry: by id, whatever order they were loaded in). */
export function lapsedHolds(holds: readonly HoldRecord[], now: number): HoldRecord[] {
  return holds
    .filter((h) => h.state === 'ACTIVE' && h.expiresAt <= now)
    .sort((a, b) => a.expiresAt - b.expiresAt || (a.holdId < b.holdId ? -1 : a.holdId > b.holdId ? 1 : 0));
}

/**
 * Gives what is outstanding of a hold back to the lots it came from (nothing, after a
 * capture of the whole hold): POINTS_HOLD_RELEASED, then the shares of lots that were closed by
 * revocation or lapsed meanwhile leave them again at once, as for cancellations.
 */
export function releaseHold(ev: Events, holdId: string, now: number, reason: string | null): void {
  const hold = ev.state.holds.find((h) => h.holdId === holdId)!;
  const shares = outstandingAllocations(hold);
  const amount = shares.reduce((s, a) => s + a.amount, 0);
  if (amount === 0) return;
  ev.emit({ type: 'POINTS_HOLD_RELEASED', amount, holdId, orderId: hold.orderId, allocations: shares, reason });
  settleReturnedShares(ev, shares, now, 'a hold release');
}
