import { describe, it, expect } from 'vitest';
import { decide } from './decide.ts';
import { testLedger } from './test-ledger.ts';
import { emptyWallet, MAX_AMOUNT, MAX_VALIDITY_MS, type Command } from './types.ts';

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
  reason: 'welcome',
  source: 'test',
});
const use = (useId: string, amount: number): Command => ({ kind: 'use', userId: USER, useId, amount, orderId: 'order-1', reason: null });
const cancel = (useId: string, amount: number | null): Command => ({
  kind: 'cancelUse',
  userId: USER,
  useId,
  cancellationId: 'cancel-1',
  amount,
  reason: 'refund',
});
const revoke = (grantId: string): Command => ({ kind: 'revoke', userId: USER, grantId, reason: 'fraud' });

/** Grants 1000 valid 10 days (g1000) and 500 valid 5 days (g500) at T0. */
function example() {
  const l = ledger();
  l.run(grant('g1000', 1000, T0 + 10 * DAY), T0);
  l.run(grant('g500', 500, T0 + 5 * DAY), T0);
  return l;
}

describe('worked example', () => {
  it('grants 1000 and 500, a use of 1200 takes the 500-lot first, then 700 of the 1000-lot', () => {
    const l = example();
    expect(l.wallet.balance).toBe(1500);
    const out = l.run(use('use-1', 1200), T0 + DAY);
    expect(out).toHaveLength(1);
    expect(out[0]).toMatchObject({
      type: 'POINTS_USED',
      seq: 3,
      amount: 1200,
      balanceAfter: 300,
      useId: 'use-1',
      orderId: 'order-1',
      occurredAt: T0 + DAY,
      allocations: [
        { grantId: 'g500', amount: 500 },
        { grantId: 'g1000', amount: 700 },
      ],
    });
    expect(l.wallet.balance).toBe(300);
    expect(l.remaining('g500')).toBe(0);
    expect(l.remaining('g1000')).toBe(300);
  });

  it('a partial cancellation of 1100 gives 700 back to the 1000-lot first, then 400 to the 500-lot', () => {
    const l = example();
    l.run(use('use-1', 1200), T0 + DAY);
    const out = l.run(cancel('use-1', 1100), T0 + 2 * DAY);
    expect(out).toHaveLength(1);
    expect(out[0]).toMatchObject({
      type: 'POINTS_USE_CANCELED',
      seq: 4,
      amount: 1100,
      balanceAfter: 1400,
      useId: 'use-1',
      cancellationId: 'cancel-1',
      allocations: [
        { grantId: 'g1000', amount: 700 },
        { grantId: 'g500', amount: 400 },
      ],
    });
    expect(l.wallet.balance).toBe(1400);
    expect(l.remaining('g1000')).toBe(1000);
    expect(l.remaining('g500')).toBe(400);
    // 100 of the use is left to cancel, and it can only go to the 500-lot.
    expect(l.refused(cancel('use-1', 101), T0 + 2 * DAY).code).toBe('CANCEL_EXCEEDS_USE');
    expect(l.run(cancel('use-1', null), T0 + 2 * DAY)[0]!.allocations).toEqual([{ grantId: 'g500', amount: 100 }]);
    expect(l.wallet.balance).toBe(1500);
  });

  it('a revocation takes what remains of one grant, and only that', () => {
    const l = example();
    l.run(use('use-1', 200), T0 + DAY); // g500 → 300
    const out = l.run(revoke('g1000'), T0 + DAY);
    expect(out).toHaveLength(1);
    expect(out[0]).toMatchObject({ type: 'POINTS_REVOKED', seq: 4, grantId: 'g1000', amount: 1000, balanceAfter: 300, reason: 'fraud' });
    expect(l.remaining('g1000')).toBe(0);
    expect(l.remaining('g500')).toBe(300);
    const partly = l.run(revoke('g500'), T0 + DAY);
    expect(partly[0]).toMatchObject({ type: 'POINTS_REVOKED', grantId: 'g500', amount: 300, balanceAfter: 0 });
    expect(l.wallet.lots.every((lot) => lot.revoked && lot.remaining === 0)).toBe(true);
  });

  it('ALREADY_REVOKED on a second revocation; NOT_FOUND for an unknown grant', () => {
    const l = example();
    l.run(revoke('g1000'), T0 + DAY);
    const e = l.refused(revoke('g1000'), T0 + DAY);
    expect(e.code).toBe('ALREADY_REVOKED');
    expect(e.details).toMatchObject({ grantId: 'g1000', revoked: true });
    expect(l.refused(revoke('g-unknown'), T0 + DAY).code).toBe('NOT_FOUND');
    expect(l.wallet.balance).toBe(500);
    expect(l.log).toHaveLength(3);
  });

  it('INSUFFICIENT_POINTS leaves nothing, and lapsed points do not count as available', () => {
    const l = example();
    const e = l.refused(use('use-1', 1501), T0 + DAY);
    expect(e.code).toBe('INSUFFICIENT_POINTS');
    expect(e.details).toEqual({ requested: 1501, available: 1500 });
    // At day 6 the 500-lot has lapsed: 1000 usable, though the wallet still shows 1500.
    const lapsed = l.refused(use('use-2', 1001), T0 + 6 * DAY);
    expect(lapsed.code).toBe('INSUFFICIENT_POINTS');
    expect(lapsed.details).toEqual({ requested: 1001, available: 1000 });
    // Nothing was written: not even the lazy expiry of the refused command.
    expect(l.wallet.balance).toBe(1500);
    expect(l.wallet.seq).toBe(2);
    expect(l.remaining('g500')).toBe(500);
  });

  it('VALIDATION_FAILED for a grant whose expiresAt is not in the future', () => {
    const l = example();
    const now = T0 + DAY;
    for (const expiresAt of [now, now - 1, T0 - DAY]) {
      const e = l.refused(grant('g-bad', 100, expiresAt), now);
      expect(e.code).toBe('VALIDATION_FAILED');
      expect(e.details).toMatchObject({ field: 'expiresAt' });
    }
    expect(l.run(grant('g-ok', 100, now + 1), now)[0]).toMatchObject({ type: 'POINTS_GRANTED', amount: 100, expiresAt: now + 1 });
  });

  it('VALIDATION_FAILED for an amount of 0, negative, fractional or above 1,000,000,000', () => {
    const l = example();
    for (const amount of [0, -1, 2.5, MAX_AMOUNT + 1, Number.NaN]) {
      const g = l.refused(grant('g-bad', amount, T0 + 3 * DAY), T0);
      expect(g.code).toBe('VALIDATION_FAILED');
      expect(g.details).toMatchObject({ field: 'amount' });
      expect(l.refused(use('use-bad', amount), T0).code).toBe('VALIDATION_FAILED');
    }
    expect(MAX_AMOUNT).toBe(1_000_000_000);
    expect(l.run(grant('g-max', MAX_AMOUNT, T0 + 3 * DAY), T0)[0]).toMatchObject({ amount: MAX_AMOUNT, balanceAfter: MAX_AMOUNT + 1500 });
  });

  it('a use after a lot lapsed first emits POINTS_EXPIRED for it, then spends only live lots', () => {
    const l = example();
    const now = T0 + 6 * DAY; // g500 lapsed at day 5
    const out = l.run(use('use-1', 200), now);
    expect(out.map((e) => [e.seq, e.type, e.grantId, e.amount, e.balanceAfter])).toEqual([
      [3, 'POINTS_EXPIRED', 'g500', 500, 1000],
      [4, 'POINTS_USED', null, 200, 800],
    ]);
    expect(out[0]).toMatchObject({ expiresAt: T0 + 5 * DAY, occurredAt: now });
    expect(out[1]!.allocations).toEqual([{ grantId: 'g1000', amount: 200 }]);
    expect(l.remaining('g500')).toBe(0);
    expect(l.remaining('g1000')).toBe(800);
    // The expiry is not repeated by the next command.
    expect(l.run(use('use-2', 100), now + 1).map((e) => e.type)).toEqual(['POINTS_USED']);
  });

  it('the expire command emits one POINTS_EXPIRED per lapsed lot in expiry order, and nothing the second time', () => {
    const l = example();
    l.run(grant('g200', 200, T0 + 3 * DAY), T0);
    const now = T0 + 11 * DAY;
    const out = l.run({ kind: 'expire', userId: USER }, now);
    expect(out.map((e) => [e.seq, e.grantId, e.amount, e.balanceAfter])).toEqual([
      [4, 'g200', 200, 1500],
      [5, 'g500', 500, 1000],
      [6, 'g1000', 1000, 0],
    ]);
    expect(out.every((e) => e.type === 'POINTS_EXPIRED')).toBe(true);
    expect(l.run({ kind: 'expire', userId: USER }, now)).toEqual([]);
  });
});

describe('grant expiry guard', () => {
  it('refuses an expiry that is not a time (NaN, Infinity)', () => {
    for (const expiresAt of [Number.NaN, Number.POSITIVE_INFINITY]) {
      let id = 0;
      expect(() =>
        decide(
          { kind: 'grant', userId: 'u', grantId: 'g', amount: 100, expiresAt, reason: 'r', source: null },
          emptyWallet('u'),
          Date.UTC(2025, 0, 1),
          () => `id-${++id}`,
        ),
      ).toThrow(expect.objectContaining({ code: 'VALIDATION_FAILED' }));
    }
  });
});

describe('grant validity bound', () => {
  it('refuses an expiry more than 100 years ahead, accepts one just inside', () => {
    const now = Date.UTC(2025, 0, 1);
    const grant = (expiresAt: number) =>
      decide({ kind: 'grant', userId: 'u', grantId: 'g', amount: 1, expiresAt, reason: 'r', source: null }, emptyWallet('u'), now, () => 'e1');
    expect(() => grant(now + MAX_VALIDITY_MS + 1)).toThrow(expect.objectContaining({ code: 'VALIDATION_FAILED' }));
    expect(grant(now + MAX_VALIDITY_MS)).toHaveLength(1);
  });
});
