import type { Lot } from './types.ts';

/**
 * Pending lots whose availableAt has come at `now` and that still hold points (one
 * revoked to nothing stays closed), by availableAt, then oldest grant first.
 */
export function dueLots(lots: readonly Lot[], now: number): Lot[] {
  return lots
    .filter((l) => l.pending && l.remaining > 0 && l.availableAt !== null && l.availableAt <= now)
    .sort((a, b) => a.availableAt! - b.availableAt! || a.grantSeq - b.grantSeq);
}
