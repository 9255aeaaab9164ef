import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { testLedger } from './test-ledger.ts';
import type { Command, PointEvent, Wallet } from './types.ts';

const USER = 'user-1';
const T0 = Date.UTC(2025, 0, 1);
const DAY = 86_400_000;

const ledger = () => testLedger(USER);

const grant = (grantId: string, amount: number, expiresAt: number): Command => ({
  kind: 'grant',
  userId: USER,
  grantId,
  amount,
  expiresAt,
  reason: 'test',
  source: null,
});
const use = (useId: string, amount: number): Command => ({ kind: 'use', userId: USER, useId, amount, orderId: null, reason: null });
let cancellations = 0;
const cancel = (useId: string, amount: number | null): Command => ({
  kind: 'cancelUse',
  userId: USER,
  useId,
  cancellationId: `c-${++cancellations}`,
  amount,
  reason: null,
});
const revoke = (grantId: string): Command => ({ kind: 'revoke', userId: USER, grantId, reason: 'test' });

const remainingByLot = (w: Wallet): Record<string, number> => Object.fromEntries(w.lots.map((l) => [l.grantId, l.remaining]));

/** A handful of grants, all made at T0, with few distinct expiries so ties are common. */
const grantsArb = fc.array(fc.record({ amount: fc.integer({ min: 1, max: 5_000 }), days: fc.integer({ min: 1, max: 4 }) }), { minLength: 1, maxLength: 8 });

function granted(specs: readonly { amount: number; days: number }[]) {
  const l = ledger();
  for (const [i, s] of specs.entries()) l.run(grant(`g${i + 1}`, s.amount, T0 + s.days * DAY), T0);
  return l;
}

describe('use cancellation', () => {
  it('property: a use then its full cancellation puts every lot back where it was', () => {
    fc.assert(
      fc.property(grantsArb, fc.integer({ min: 1, max: 1000 }), (specs, permille) => {
        const l = granted(specs);
        const before = structuredClone(l.wallet);
        const amount = Math.max(1, Math.floor((before.balance * permille) / 1000));
        const [used] = l.run(use('u1', amount), T0 + 1);
        const [canceled, ...rest] = l.run(cancel('u1', null), T0 + 2);
        expect(rest).toEqual([]);
        expect(canceled).toMatchObject({ type: 'POINTS_USE_CANCELED', amount, useId: 'u1' });
        // It gives back to exactly the lots the use took from, as much as each gave.
        const byLot = (as: { grantId: string; amount: number }[]) => [...as].sort((a, b) => a.grantId.localeCompare(b.grantId));
        expect(byLot(canceled!.allocations)).toEqual(byLot(used!.allocations));
        expect(remainingByLot(l.wallet)).toEqual(remainingByLot(before));
        expect(l.wallet.balance).toBe(before.balance);
        expect(l.wallet.uses).toEqual([{ useId: 'u1', amount, canceled: amount, allocations: used!.allocations.map((a) => ({ ...a, restored: a.amount })) }]);
      }),
      { numRuns: 300 },
    );
  });

  it('property: partial cancellations give back latest-expiring lot first, never more than each allocation took', () => {
    fc.assert(
      fc.property(
        grantsArb,
        fc.integer({ min: 1, max: 1000 }),
        fc.array(fc.integer({ min: 1, max: 1000 }), { minLength: 1, maxLength: 6 }),
        (specs, permille, parts) => {
          const l = granted(specs);
          const before = structuredClone(l.wallet);
          const amount = Math.max(1, Math.floor((before.balance * permille) / 1000));
          const [used] = l.run(use('u1', amount), T0 + 1);
          // The use's lots in the order a cancellation gives back: latest expiry first, then newest grant.
          const giveBackOrder = used!.allocations
            .map((a) => ({ ...a, lot: before.lots.find((x) => x.grantId === a.grantId)! }))
            .sort((x, y) => y.lot.expiresAt - x.lot.expiresAt || y.lot.grantSeq - x.lot.grantSeq);
          const restored = new Map<string, number>(giveBackOrder.map((a) => [a.grantId, 0]));
          let left = amount;

          const check = (events: PointEvent[], asked: number) => {
            expect(events).toHaveLength(1);
            const [e] = events;
            expect(e!.amount).toBe(asked);
            expect(e!.allocations.reduce((s, a) => s + a.amount, 0)).toBe(asked);
            // The shares follow the give-back order and each fills its allocation before the next is touched.
            const idx = e!.allocations.map((a) => giveBackOrder.findIndex((g) => g.grantId === a.grantId));
            expect(idx.every((i) => i >= 0)).toBe(true);
            expect([...idx].sort((a, b) => a - b)).toEqual(idx);
            for (const a of e!.allocations) restored.set(a.grantId, restored.get(a.grantId)! + a.amount);
            let reachedPartial = false;
            for (const g of giveBackOrder) {
              const r = restored.get(g.grantId)!;
              expect(r).toBeLessThanOrEqual(g.amount);
              if (reachedPartial) expect(r).toBe(0);
              if (r < g.amount) reachedPartial = true;
            }
            left -= asked;
            expect(l.wallet.uses[0]!.canceled).toBe(amount - left);
          };

          let t = T0 + 2;
          for (const p of parts) {
            if (left === 0) break;
            const asked = Math.max(1, Math.floor((left * p) / 1000));
            check(l.run(cancel('u1', asked), t++), asked);
          }
          if (left > 0) check(l.run(cancel('u1', null), t++), left);
          expect(remainingByLot(l.wallet)).toEqual(remainingByLot(before));
          expect(l.wallet.balance).toBe(before.balance);
          // Fully cancelled: any further cancellation exceeds the use.
          expect(l.refused(cancel('u1', null), t).code).toBe('CANCEL_EXCEEDS_USE');
          expect(l.refused(cancel('u1', 1), t).code).toBe('CANCEL_EXCEEDS_USE');
        },
      ),
      { numRuns: 300 },
    );
  });

  it('gives back in several partial steps, latest-expiring lot first', () => {
    const l = ledger();
    l.run(grant('soon', 300, T0 + 2 * DAY), T0);
    l.run(grant('later', 300, T0 + 5 * DAY), T0);
    l.run(grant('latest', 300, T0 + 9 * DAY), T0);
    const [used] = l.run(use('u1', 800), T0);
    expect(used!.allocations).toEqual([
      { grantId: 'soon', amount: 300 },
      { grantId: 'later', amount: 300 },
      { grantId: 'latest', amount: 200 },
    ]);
    expect(l.run(cancel('u1', 150), T0)[0]!.allocations).toEqual([{ grantId: 'latest', amount: 150 }]);
    expect(l.run(cancel('u1', 100), T0)[0]!.allocations).toEqual([
      { grantId: 'latest', amount: 50 },
      { grantId: 'later', amount: 50 },
    ]);
    expect(l.run(cancel('u1', 400), T0)[0]!.allocations).toEqual([
      { grantId: 'later', amount: 250 },
      { grantId: 'soon', amount: 150 },
    ]);
    expect(remainingByLot(l.wallet)).toEqual({ soon: 150, later: 300, latest: 300 });
    expect(l.wallet.balance).toBe(750);
    expect(l.wallet.uses[0]).toMatchObject({ canceled: 650 });
    // 150 left to cancel.
    const e = l.refused(cancel('u1', 151), T0);
    expect(e.code).toBe('CANCEL_EXCEEDS_USE');
    expect(e.details).toMatchObject({ useId: 'u1', requested: 151, cancellable: 150 });
    expect(l.run(cancel('u1', null), T0)[0]).toMatchObject({ amount: 150, allocations: [{ grantId: 'soon', amount: 150 }] });
    expect(remainingByLot(l.wallet)).toEqual({ soon: 300, later: 300, latest: 300 });
  });

  it('equal expiry: gives back to the newest grant first', () => {
    const l = ledger();
    const at = T0 + 3 * DAY;
    l.run(grant('old', 100, at), T0);
    l.run(grant('new', 100, at), T0);
    expect(l.run(use('u1', 150), T0)[0]!.allocations).toEqual([
      { grantId: 'old', amount: 100 },
      { grantId: 'new', amount: 50 },
    ]);
    expect(l.run(cancel('u1', 70), T0)[0]!.allocations).toEqual([
      { grantId: 'new', amount: 50 },
      { grantId: 'old', amount: 20 },
    ]);
  });

  it('CANCEL_EXCEEDS_USE when asking for more than is left of the use, and when it is cancelled in full already', () => {
    const l = ledger();
    l.run(grant('g', 1000, T0 + DAY), T0);
    l.run(use('u1', 400), T0);
    const tooMuch = l.refused(cancel('u1', 401), T0);
    expect(tooMuch.code).toBe('CANCEL_EXCEEDS_USE');
    expect(tooMuch.details).toMatchObject({ requested: 401, cancellable: 400 });
    l.run(cancel('u1', 400), T0);
    const again = l.refused(cancel('u1', null), T0);
    expect(again.code).toBe('CANCEL_EXCEEDS_USE');
    expect(again.details).toMatchObject({ useId: 'u1', cancellable: 0 });
    expect(l.refused(cancel('u1', 1), T0).code).toBe('CANCEL_EXCEEDS_USE');
    expect(l.wallet.balance).toBe(1000);
    expect(l.log).toHaveLength(3);
  });

  it('VALIDATION_FAILED for a cancellation amount that is not a positive integer', () => {
    const l = ledger();
    l.run(grant('g', 1000, T0 + DAY), T0);
    l.run(use('u1', 400), T0);
    for (const amount of [0, -5, 1.5]) expect(l.refused(cancel('u1', amount), T0).code).toBe('VALIDATION_FAILED');
  });

  it('NOT_FOUND for an unknown useId', () => {
    const l = ledger();
    l.run(grant('g', 1000, T0 + DAY), T0);
    l.run(use('u1', 400), T0);
    const e = l.refused(cancel('nope', null), T0);
    expect(e.code).toBe('NOT_FOUND');
    expect(e.details).toEqual({ useId: 'nope' });
    expect(l.refused(cancel('nope', 10), T0).code).toBe('NOT_FOUND');
  });

  it('a share given back to a lapsed lot expires again at once (balance unchanged by it)', () => {
    const l = ledger();
    l.run(grant('short', 500, T0 + DAY), T0);
    l.run(grant('long', 1000, T0 + 10 * DAY), T0);
    l.run(use('u1', 800), T0); // short 500, long 300
    expect(l.wallet.balance).toBe(700);
    const t = T0 + 2 * DAY; // 'short' has lapsed (nothing left in it, so no lazy expiry)
    const out = l.run(cancel('u1', null), t);
    expect(out.map((e) => [e.seq, e.type, e.grantId, e.amount, e.balanceAfter])).toEqual([
      [4, 'POINTS_USE_CANCELED', null, 800, 1500],
      [5, 'POINTS_EXPIRED', 'short', 500, 1000],
    ]);
    expect(out[0]!.allocations).toEqual([
      { grantId: 'long', amount: 300 },
      { grantId: 'short', amount: 500 },
    ]);
    expect(out[1]).toMatchObject({ expiresAt: T0 + DAY, occurredAt: t });
    // Only the share of the live lot counts: +300.
    expect(l.wallet.balance).toBe(1000);
    expect(remainingByLot(l.wallet)).toEqual({ short: 0, long: 1000 });
  });

  it('a lapsed lot with points left is expired first, then its share comes back and expires too', () => {
    const l = ledger();
    l.run(grant('short', 500, T0 + DAY), T0);
    l.run(grant('long', 1000, T0 + 10 * DAY), T0);
    l.run(use('u1', 300), T0); // short 300 → 200 left
    const out = l.run(cancel('u1', 120), T0 + DAY); // exactly at expiry: lapsed
    expect(out.map((e) => [e.seq, e.type, e.grantId, e.amount, e.balanceAfter])).toEqual([
      [4, 'POINTS_EXPIRED', 'short', 200, 1000],
      [5, 'POINTS_USE_CANCELED', null, 120, 1120],
      [6, 'POINTS_EXPIRED', 'short', 120, 1000],
    ]);
    expect(out[1]!.allocations).toEqual([{ grantId: 'short', amount: 120 }]);
    expect(l.wallet.balance).toBe(1000);
    expect(l.wallet.uses[0]).toMatchObject({ canceled: 120 });
    expect(l.lot('short').remaining).toBe(0);
  });

  it('a share given back to a revoked lot is revoked again at once', () => {
    const l = ledger();
    l.run(grant('g', 1000, T0 + 10 * DAY), T0);
    l.run(grant('other', 100, T0 + 20 * DAY), T0);
    l.run(use('u1', 400), T0); // g 400
    expect(l.run(revoke('g'), T0).map((e) => [e.type, e.amount])).toEqual([['POINTS_REVOKED', 600]]);
    expect(l.wallet.balance).toBe(100);
    const out = l.run(cancel('u1', 250), T0 + 1);
    expect(out.map((e) => [e.seq, e.type, e.grantId, e.amount, e.balanceAfter])).toEqual([
      [5, 'POINTS_USE_CANCELED', null, 250, 350],
      [6, 'POINTS_REVOKED', 'g', 250, 100],
    ]);
    expect(out[0]!.allocations).toEqual([{ grantId: 'g', amount: 250 }]);
    expect(l.lot('g')).toMatchObject({ remaining: 0, revoked: true });
    expect(l.wallet.balance).toBe(100);
    expect(l.refused(revoke('g'), T0 + 2).code).toBe('ALREADY_REVOKED');
  });
});
