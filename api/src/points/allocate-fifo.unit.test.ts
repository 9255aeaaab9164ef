import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { allocateFifo } from './allocate-fifo.ts';
import type { Lot } from './types.ts';

const NOW = Date.UTC(2025, 0, 1);
const DAY = 86_400_000;

function lot(grantId: string, remaining: number, expiresAt: number, grantSeq: number, amount = remaining): Lot {
  return { grantId, amount, remaining, expiresAt, grantedAt: NOW - DAY, grantSeq, revoked: false, pending: false, availableAt: null };
}

describe('allocateFifo', () => {
  it('takes from the earliest expiry first, whatever the order of the lots', () => {
    const lots = [lot('late', 100, NOW + 9 * DAY, 1), lot('early', 100, NOW + 2 * DAY, 2), lot('mid', 100, NOW + 5 * DAY, 3)];
    expect(allocateFifo(lots, 250, NOW)).toEqual([
      { grantId: 'early', amount: 100 },
      { grantId: 'mid', amount: 100 },
      { grantId: 'late', amount: 50 },
    ]);
  });

  it('breaks a tie of expiry by grantSeq, oldest grant first', () => {
    const at = NOW + 3 * DAY;
    const lots = [lot('newer', 100, at, 7), lot('oldest', 100, at, 2), lot('older', 100, at, 4)];
    expect(allocateFifo(lots, 150, NOW)).toEqual([
      { grantId: 'oldest', amount: 100 },
      { grantId: 'older', amount: 50 },
    ]);
  });

  it('expiry comes before grantSeq', () => {
    const lots = [lot('old-late', 100, NOW + 4 * DAY, 1), lot('new-early', 100, NOW + DAY, 9)];
    expect(allocateFifo(lots, 120, NOW)).toEqual([
      { grantId: 'new-early', amount: 100 },
      { grantId: 'old-late', amount: 20 },
    ]);
  });

  it('skips lapsed lots, including one expiring exactly now', () => {
    const lots = [lot('lapsed', 500, NOW - 1, 1), lot('at-now', 500, NOW, 2), lot('live', 500, NOW + 1, 3)];
    expect(allocateFifo(lots, 300, NOW)).toEqual([{ grantId: 'live', amount: 300 }]);
  });

  it('skips pending lots, even ones that are due (the lazy step activates those first)', () => {
    const lots = [
      { ...lot('pending', 500, NOW + DAY, 1), pending: true, availableAt: NOW + 1 },
      { ...lot('due', 500, NOW + DAY, 2), pending: true, availableAt: NOW },
      lot('active', 500, NOW + 2 * DAY, 3),
    ];
    expect(allocateFifo(lots, 300, NOW)).toEqual([{ grantId: 'active', amount: 300 }]);
    expect(allocateFifo(lots, 501, NOW)).toBeUndefined();
  });

  it('skips empty lots', () => {
    const lots = [lot('empty', 0, NOW + DAY, 1, 400), lot('full', 400, NOW + 2 * DAY, 2)];
    expect(allocateFifo(lots, 10, NOW)).toEqual([{ grantId: 'full', amount: 10 }]);
  });

  it('drains the usable lots exactly when asked for all of them', () => {
    const lots = [lot('a', 30, NOW + DAY, 1), lot('b', 70, NOW + 2 * DAY, 2)];
    expect(allocateFifo(lots, 100, NOW)).toEqual([
      { grantId: 'a', amount: 30 },
      { grantId: 'b', amount: 70 },
    ]);
  });

  it('returns undefined when the usable lots do not hold enough', () => {
    const lots = [lot('a', 30, NOW + DAY, 1), lot('b', 70, NOW + 2 * DAY, 2)];
    expect(allocateFifo(lots, 101, NOW)).toBeUndefined();
    expect(allocateFifo([], 1, NOW)).toBeUndefined();
  });

  it('does not count lapsed points as enough', () => {
    const lots = [lot('lapsed', 1000, NOW, 1), lot('live', 10, NOW + DAY, 2)];
    expect(allocateFifo(lots, 11, NOW)).toBeUndefined();
  });

  it('leaves the lots it is given untouched', () => {
    const lots = [lot('b', 70, NOW + 2 * DAY, 2), lot('a', 30, NOW + DAY, 1)];
    const before = structuredClone(lots);
    allocateFifo(lots, 50, NOW);
    expect(lots).toEqual(before);
  });

  const lotsArb = fc
    .array(
      fc.record({
        remaining: fc.oneof({ arbitrary: fc.constant(0), weight: 1 }, { arbitrary: fc.integer({ min: 1, max: 5_000 }), weight: 5 }),
        // A few distinct expiries so that ties are common; some before or at NOW.
        expiresInDays: fc.integer({ min: -2, max: 6 }),
      }),
      { minLength: 0, maxLength: 12, size: 'max' },
    )
    .chain((specs) =>
      // Unique grantSeq values, in random order with respect to the array.
      fc
        .shuffledSubarray(
          Array.from({ length: 40 }, (_, i) => i + 1),
          { minLength: specs.length, maxLength: specs.length },
        )
        .map((seqs) => specs.map((s, i) => lot(`g${seqs[i]}`, s.remaining, NOW + s.expiresInDays * DAY, seqs[i]!, s.remaining + 1))),
    );

  /** The spending order, written out independently: usable lots by (expiresAt, grantSeq). */
  function expectedOrder(lots: readonly Lot[], now: number): Lot[] {
    return lots
      .filter((l) => l.remaining > 0 && l.expiresAt > now)
      .sort((a, b) => (a.expiresAt !== b.expiresAt ? (a.expiresAt < b.expiresAt ? -1 : 1) : a.grantSeq < b.grantSeq ? -1 : 1));
  }

  it('property: allocations sum to the amount and drain each lot before touching a later one', () => {
    fc.assert(
      // permille > 1000 asks for more than the usable points.
      fc.property(lotsArb, fc.integer({ min: 1, max: 1100 }), (lots, permille) => {
        const order = expectedOrder(lots, NOW);
        const usable = order.reduce((s, l) => s + l.remaining, 0);
        const amount = Math.max(1, Math.floor((usable * permille) / 1000));
        const result = allocateFifo(lots, amount, NOW);
        if (amount > usable) {
          expect(result).toBeUndefined();
          return;
        }
        expect(result).toBeDefined();
        const allocations = result!;
        expect(allocations.reduce((s, a) => s + a.amount, 0)).toBe(amount);
        // The allocations are a prefix of the FIFO order, every one but the last drains its lot.
        expect(allocations.map((a) => a.grantId)).toEqual(order.slice(0, allocations.length).map((l) => l.grantId));
        allocations.forEach((a, i) => {
          const l = order[i]!;
          expect(a.amount).toBeGreaterThan(0);
          expect(a.amount).toBeLessThanOrEqual(l.remaining);
          if (i < allocations.length - 1) expect(a.amount).toBe(l.remaining);
        });
      }),
      { numRuns: 500 },
    );
  });
});
