import { fifoOrder } from './allocate-fifo.ts';
import type { Lot } from './types.ts';

/** Lots whose expiry has passed at `now` and that still hold points, in expiry order. */
export function lapsedLots(lots: readonly Lot[], now: number): Lot[] {
  return lots.filter((l) => l.remaining > 0 && l.expiresAt <= now).sort(fifoOrder);
}
