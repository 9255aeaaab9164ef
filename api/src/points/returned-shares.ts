import type { Events } from './decision.ts';
import type { Allocation } from './types.ts';

/**
 * After points went back to lots (a use cancellation, a hold release): a share given
 * back to a lot closed by revocation is revoked again at once, and one given back to a
 * lot that has lapsed expires at once, so that neither comes back to life. `revokedBy`
 * says in the revocation's reason what gave the points back.
 */
export function settleReturnedShares(ev: Events, shares: readonly Allocation[], now: number, revokedBy: string): void {
  for (const s of shares) {
    const lot = ev.state.lots.find((l) => l.grantId === s.grantId)!;
    if (lot.revoked) {
      ev.emit({ type: 'POINTS_REVOKED', amount: s.amount, grantId: lot.grantId, reason: `returned by ${revokedBy} to a revoked grant` });
    } else if (lot.expiresAt <= now) {
      ev.emit({ type: 'POINTS_EXPIRED', amount: s.amount, grantId: lot.grantId, expiresAt: lot.expiresAt });
    }
  }
}
