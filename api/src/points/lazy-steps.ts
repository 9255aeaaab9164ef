/**
 * What every command does first, so that no command acts on a state that time has
 * overtaken, in this order:
 *   (a) pending lots that have come due activate (one POINTS_GRANT_ACTIVATED each);
 *   (b) active holds that have lapsed are released (their points go back to their lots);
 *   (c) lapsed active lots with points left expire (one POINTS_EXPIRED each).
 * Activation comes before expiry, so a lot that came due and lapsed since is activated
 * and then expired, never expired while pending; a release comes before expiry too, and
 * a share it gives back to a lapsed lot expires at once (returned-shares.ts).
 */
import { dueLots } from './activate-due.ts';
import type { Events } from './decision.ts';
import { lapsedLots } from './expire-lapsed.ts';
import { lapsedHolds, releaseHold } from './release-hold.ts';

export function runLazySteps(ev: Events, now: number): void {
  for (const lot of dueLots(ev.state.lots, now)) {
    ev.emit({ type: 'POINTS_GRANT_ACTIVATED', amount: lot.remaining, grantId: lot.grantId, reason: 'available' });
  }
  for (const hold of lapsedHolds(ev.state.holds, now)) releaseHold(ev, hold.holdId, now, 'lapsed');
  for (const lot of lapsedLots(ev.state.lots, now)) {
    ev.emit({ type: 'POINTS_EXPIRED', amount: lot.remaining, grantId: lot.grantId, expiresAt: lot.expiresAt });
  }
}
