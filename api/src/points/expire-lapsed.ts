import { fifoOrder } from './allocate-fifo.ts';
import type { Lot } from './types.ts';

/**
 * Active lots whose expiry has passed at `now` and that still hold points, in expiry
 * order. Pending lots never expire (their points were never usable); held points are
 * not in `remaining`, so they do not expire while held.
 */
export function lapsedLots(lots: readonly Lot[], now: number): Lot[] {
  return lots.filter((l) => !l.pending && l.remaining > 0 && l.expiresAt <= now).sort(fifoOrder);
}
