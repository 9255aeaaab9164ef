/**
 * The order lifecycle (API.md "Additions", DESIGN.md "Domain additions") with concrete
 * numbers: pending grants and their activation, partial revocation, holds and their
 * capture, release and lapse, and the lazy steps every command starts with.
 */
import { describe, it, expect } from 'vitest';
import { lapsedLots } from './expire-lapsed.ts';
import { testLedger } from './test-ledger.ts';
import { decide } from './decide.ts';
import { emptyWallet, type Command, type PointEvent } from './types.ts';

const USER = 'user-1';
const T0 = Date.UTC(2025, 0, 1);
const SECOND = 1000;
const HOUR = 3_600_000;
const DAY = 86_400_000;

const ledger = () => testLedger(USER);

const grant = (grantId: string, amount: number, expiresAt: number, availableAt: number | null = null): Command => ({
  kind: 'grant',
  userId: USER,
  grantId,
  amount,
  expiresAt,
  reason: 'purchase',
  source: 'shop',
  orderId: 'order-7',
  availableAt,
});
const use = (useId: string, amount: number): Command => ({ kind: 'use', userId: USER, useId, amount, orderId: null, reason: null });
const cancel = (useId: string, amount: number | null): Command => ({
  kind: 'cancelUse',
  userId: USER,
  useId,
  cancellationId: `c-${useId}-${amount}`,
  amount,
  reason: 'refund',
});
const revoke = (grantId: string, amount: number | null = null): Command => ({ kind: 'revoke', userId: USER, grantId, reason: 'fraud', amount });
const activate = (grantId: string): Command => ({ kind: 'activate', userId: USER, grantId, reason: 'confirmed' });
const hold = (holdId: string, amount: number, ttlSeconds = 900): Command => ({
  kind: 'hold',
  userId: USER,
  holdId,
  amount,
  orderId: 'order-9',
  reason: 'checkout',
  ttlSeconds,
});
const capture = (holdId: string, useId: string, amount: number | null = null): Command => ({
  kind: 'capture',
  userId: USER,
  holdId,
  useId,
  amount,
  reason: 'paid',
});
const release = (holdId: string): Command => ({ kind: 'release', userId: USER, holdId, reason: 'order cancelled' });
const expire: Command = { kind: 'expire', userId: USER };

/** [seq, type, grantId or holdId, amount, balanceAfter, heldAfter, pendingAfter] per event. */
const rows = (events: PointEvent[]) => events.map((e) => [e.seq, e.type, e.grantId ?? e.holdId, e.amount, e.balanceAfter, e.heldAfter, e.pendingAfter]);

describe('pending grants', () => {
  it('a grant with availableAt is pending: 1000 in pending, nothing spendable, until it comes due', () => {
    const l = ledger();
    const [e] = l.run(grant('g-pend', 1000, T0 + 30 * DAY, T0 + 2 * DAY), T0);
    expect(e).toMatchObject({
      type: 'POINTS_GRANT_PENDING',
      amount: 1000,
      balanceAfter: 0,
      pendingAfter: 1000,
      availableAt: T0 + 2 * DAY,
      expiresAt: T0 + 30 * DAY,
      orderId: 'order-7',
    });
    expect(l.lot('g-pend')).toMatchObject({ pending: true, availableAt: T0 + 2 * DAY, remaining: 1000 });
    expect(l.refused(use('u1', 1), T0 + DAY).details).toEqual({ requested: 1, available: 0 });
    expect(l.refused(hold('h1', 1), T0 + DAY).code).toBe('INSUFFICIENT_POINTS');

    // At availableAt exactly, the next command activates it first, then spends from it.
    const out = l.run(use('u1', 300), T0 + 2 * DAY);
    expect(rows(out)).toEqual([
      [2, 'POINTS_GRANT_ACTIVATED', 'g-pend', 1000, 1000, 0, 0],
      [3, 'POINTS_USED', null, 300, 700, 0, 0],
    ]);
    expect(out[0]!.reason).toBe('available');
    expect(l.lot('g-pend')).toMatchObject({ pending: false, remaining: 700 });
  });

  it('a grant is refused when balance + held + pending + amount would pass the largest safe amount (a release or activation could bring it all in)', () => {
    // A wallet near the limit (it takes millions of grants of at most 10^9 to get there).
    const max = Number.MAX_SAFE_INTEGER;
    const near = { ...emptyWallet(USER), balance: max - 1600, held: 600, pending: 300, seq: 3 };
    const g = (amount: number) => grant(`g-${amount}`, amount, T0 + 30 * DAY);
    expect(() => decide(g(701), near, T0, () => 'id')).toThrow(expect.objectContaining({ code: 'VALIDATION_FAILED' }));
    // Up to the limit is accepted: 700 more make balance + held + pending = max.
    expect(decide(g(700), near, T0, () => 'id')[0]).toMatchObject({ type: 'POINTS_GRANTED', balanceAfter: max - 900 });
  });

  it('a use never takes from a pending lot, even one that expires first: 100 active, 500 pending expiring earlier, a use of 101 refused, 100 taken from the active lot', () => {
    const l = ledger();
    l.run(grant('g-pend', 500, T0 + 10 * DAY, T0 + DAY), T0);
    l.run(grant('g-act', 100, T0 + 60 * DAY), T0);
    expect(l.refused(use('u-too-much', 101), T0 + HOUR).code).toBe('INSUFFICIENT_POINTS');
    const out = l.run(use('u-1', 100), T0 + HOUR);
    expect(out[0]!.allocations).toEqual([{ grantId: 'g-act', amount: 100 }]);
    expect(l.lot('g-pend')).toMatchObject({ pending: true, remaining: 500 });
  });

  it('an activation on request makes 500 usable at once; NOT_PENDING the second time, NOT_FOUND for an unknown grant', () => {
    const l = ledger();
    l.run(grant('g-early', 500, T0 + 30 * DAY, T0 + 7 * DAY), T0);
    const out = l.run(activate('g-early'), T0 + DAY);
    expect(rows(out)).toEqual([[2, 'POINTS_GRANT_ACTIVATED', 'g-early', 500, 500, 0, 0]]);
    expect(out[0]!.reason).toBe('confirmed');
    const again = l.refused(activate('g-early'), T0 + DAY);
    expect(again.code).toBe('NOT_PENDING');
    expect(again.details).toEqual({ grantId: 'g-early' });
    expect(l.refused(activate('g-nope'), T0 + DAY).code).toBe('NOT_FOUND');
    // A grant made active is not pending either.
    l.run(grant('g-now', 100, T0 + 30 * DAY), T0 + DAY);
    expect(l.refused(activate('g-now'), T0 + DAY).code).toBe('NOT_PENDING');
  });

  it('an activation on request of a grant that has come due: the lazy step activates it, and that one event is the answer', () => {
    const l = ledger();
    l.run(grant('g-due', 200, T0 + 30 * DAY, T0 + HOUR), T0);
    expect(rows(l.run(activate('g-due'), T0 + 2 * HOUR))).toEqual([[2, 'POINTS_GRANT_ACTIVATED', 'g-due', 200, 200, 0, 0]]);
    expect(l.refused(activate('g-due'), T0 + 2 * HOUR).code).toBe('NOT_PENDING');
  });

  it('the maintenance run (expire) activates a due grant; a pending lot never expires while pending', () => {
    const l = ledger();
    l.run(grant('g-a', 200, T0 + 30 * DAY, T0 + HOUR), T0);
    expect(l.run(expire, T0 + HOUR - 1)).toEqual([]);
    expect(rows(l.run(expire, T0 + HOUR))).toEqual([[2, 'POINTS_GRANT_ACTIVATED', 'g-a', 200, 200, 0, 0]]);
    // Due at day 1, lapsed at day 2, first looked at on day 3: activated, then expired.
    l.run(grant('g-b', 100, T0 + 2 * DAY, T0 + DAY), T0 + HOUR);
    expect(lapsedLots(l.wallet.lots, T0 + 3 * DAY)).toEqual([]);
    expect(rows(l.run(expire, T0 + 3 * DAY))).toEqual([
      [4, 'POINTS_GRANT_ACTIVATED', 'g-b', 100, 300, 0, 0],
      [5, 'POINTS_EXPIRED', 'g-b', 100, 200, 0, 0],
    ]);
  });

  it('VALIDATION_FAILED (field availableAt) unless availableAt is in the future and before expiresAt', () => {
    const l = ledger();
    const now = T0 + DAY;
    for (const availableAt of [now, now - 1, now + 10 * DAY, now + 11 * DAY]) {
      const e = l.refused(grant('g-bad', 100, now + 10 * DAY, availableAt), now);
      expect(e.code).toBe('VALIDATION_FAILED');
      expect(e.details).toMatchObject({ field: 'availableAt' });
    }
    expect(l.run(grant('g-ok', 100, now + 10 * DAY, now + 10 * DAY - 1), now)[0]).toMatchObject({ type: 'POINTS_GRANT_PENDING' });
  });

  it('revoking a pending grant voids it: pending 1000 → 0, balance unchanged, never activated', () => {
    const l = ledger();
    l.run(grant('g-act', 50, T0 + 30 * DAY), T0);
    l.run(grant('g-pend', 1000, T0 + 30 * DAY, T0 + 2 * DAY), T0);
    expect(rows(l.run(revoke('g-pend'), T0 + DAY))).toEqual([[3, 'POINTS_REVOKED', 'g-pend', 1000, 50, 0, 0]]);
    expect(l.lot('g-pend')).toMatchObject({ remaining: 0, revoked: true });
    expect(l.refused(activate('g-pend'), T0 + DAY).code).toBe('NOT_PENDING');
    expect(l.refused(revoke('g-pend'), T0 + DAY).code).toBe('ALREADY_REVOKED');
    expect(l.run(expire, T0 + 3 * DAY)).toEqual([]);
  });

  it('a partial revocation of a pending grant: 400 of 1000 leave pending, the 600 left activate', () => {
    const l = ledger();
    l.run(grant('g-pend', 1000, T0 + 30 * DAY, T0 + 2 * DAY), T0);
    expect(rows(l.run(revoke('g-pend', 400), T0 + DAY))).toEqual([[2, 'POINTS_REVOKED', 'g-pend', 400, 0, 0, 600]]);
    expect(l.lot('g-pend')).toMatchObject({ pending: true, remaining: 600, revoked: false });
    expect(rows(l.run(activate('g-pend'), T0 + DAY))).toEqual([[3, 'POINTS_GRANT_ACTIVATED', 'g-pend', 600, 600, 0, 0]]);
  });
});

describe('partial revocation', () => {
  it('300 of 1000, then REVOKE_EXCEEDS_REMAINING for 701, then the 700 left close the lot', () => {
    const l = ledger();
    l.run(grant('g', 1000, T0 + 30 * DAY), T0);
    expect(rows(l.run(revoke('g', 300), T0))).toEqual([[2, 'POINTS_REVOKED', 'g', 300, 700, 0, 0]]);
    expect(l.lot('g')).toMatchObject({ remaining: 700, revoked: false });
    const e = l.refused(revoke('g', 701), T0);
    expect(e.code).toBe('REVOKE_EXCEEDS_REMAINING');
    expect(e.details).toEqual({ grantId: 'g', requested: 701, remaining: 700 });
    expect(l.refused(revoke('g', 0), T0).code).toBe('VALIDATION_FAILED');
    expect(rows(l.run(revoke('g', 700), T0))).toEqual([[3, 'POINTS_REVOKED', 'g', 700, 0, 0, 0]]);
    expect(l.lot('g')).toMatchObject({ remaining: 0, revoked: true });
    expect(l.refused(revoke('g', 1), T0).code).toBe('ALREADY_REVOKED');
  });

  it('a partially revoked lot stays open: points given back to it stay; once closed, they are revoked again', () => {
    const l = ledger();
    l.run(grant('g', 1000, T0 + 30 * DAY), T0);
    l.run(use('u1', 400), T0); // g 600
    l.run(revoke('g', 300), T0); // g 300, open
    expect(rows(l.run(cancel('u1', 100), T0))).toEqual([[4, 'POINTS_USE_CANCELED', null, 100, 400, 0, 0]]);
    expect(l.lot('g')).toMatchObject({ remaining: 400, revoked: false });
    l.run(revoke('g'), T0); // all that remains: 400, closed
    expect(rows(l.run(cancel('u1', 300), T0))).toEqual([
      [6, 'POINTS_USE_CANCELED', null, 300, 300, 0, 0],
      [7, 'POINTS_REVOKED', 'g', 300, 0, 0, 0],
    ]);
    expect(l.lot('g')).toMatchObject({ remaining: 0, revoked: true });
  });
});

/** g-soon 400 (expires day 5), g-late 1000 (day 20), granted at T0: 1400 spendable. */
function twoLots() {
  const l = ledger();
  l.run(grant('g-soon', 400, T0 + 5 * DAY), T0);
  l.run(grant('g-late', 1000, T0 + 20 * DAY), T0);
  return l;
}

describe('holds', () => {
  it('a hold of 700 takes 400 from g-soon and 300 from g-late; a partial capture of 500 uses 400 + 100, the 200 left go back to g-late', () => {
    const l = twoLots();
    const [held] = l.run(hold('h1', 700), T0);
    expect(held).toMatchObject({
      type: 'POINTS_HELD',
      seq: 3,
      amount: 700,
      balanceAfter: 700,
      heldAfter: 700,
      holdId: 'h1',
      orderId: 'order-9',
      expiresAt: T0 + 900 * SECOND,
      allocations: [
        { grantId: 'g-soon', amount: 400 },
        { grantId: 'g-late', amount: 300 },
      ],
    });
    expect([l.remaining('g-soon'), l.remaining('g-late')]).toEqual([0, 700]);

    const out = l.run(capture('h1', 'cap-1', 500), T0 + 60 * SECOND);
    expect(rows(out)).toEqual([
      [4, 'POINTS_USED', 'h1', 500, 700, 200, 0],
      [5, 'POINTS_HOLD_RELEASED', 'h1', 200, 900, 0, 0],
    ]);
    expect(out[0]).toMatchObject({
      useId: 'cap-1',
      orderId: 'order-9',
      allocations: [
        { grantId: 'g-soon', amount: 400 },
        { grantId: 'g-late', amount: 100 },
      ],
    });
    expect(out[1]!.allocations).toEqual([{ grantId: 'g-late', amount: 200 }]);
    expect([l.remaining('g-soon'), l.remaining('g-late')]).toEqual([0, 900]);
    expect(l.hold('h1')).toMatchObject({ state: 'CAPTURED', captured: 500, released: 200, useId: 'cap-1' });
    expect(l.wallet.uses.find((u) => u.useId === 'cap-1')).toMatchObject({ amount: 500, canceled: 0 });

    // One capture per hold; nor can it be released any more.
    for (const c of [capture('h1', 'cap-2'), release('h1')]) {
      const e = l.refused(c, T0 + 60 * SECOND);
      expect(e.code).toBe('HOLD_NOT_ACTIVE');
      expect(e.details).toEqual({ holdId: 'h1', state: 'CAPTURED' });
    }
  });

  it('a capture of the whole hold (no amount) is one POINTS_USED; CAPTURE_EXCEEDS_HOLD beyond it, NOT_FOUND for an unknown hold', () => {
    const l = twoLots();
    l.run(hold('h2', 100), T0);
    const over = l.refused(capture('h2', 'cap-1', 101), T0);
    expect(over.code).toBe('CAPTURE_EXCEEDS_HOLD');
    expect(over.details).toEqual({ holdId: 'h2', requested: 101, held: 100 });
    expect(l.refused(capture('h-nope', 'cap-1'), T0).code).toBe('NOT_FOUND');
    expect(l.refused(release('h-nope'), T0).code).toBe('NOT_FOUND');
    expect(rows(l.run(capture('h2', 'cap-1'), T0))).toEqual([[4, 'POINTS_USED', 'h2', 100, 1300, 0, 0]]);
    expect(l.hold('h2')).toMatchObject({ state: 'CAPTURED', captured: 100, released: 0 });
  });

  it('VALIDATION_FAILED (field ttlSeconds) outside 60 s to 24 h', () => {
    const l = twoLots();
    for (const ttl of [0, 59, 86_401, 1.5]) expect(l.refused(hold('h', 10, ttl), T0).details).toMatchObject({ field: 'ttlSeconds' });
    expect(l.run(hold('h-min', 10, 60), T0)[0]!.expiresAt).toBe(T0 + 60 * SECOND);
    expect(l.run(hold('h-max', 10, 86_400), T0)[0]!.expiresAt).toBe(T0 + DAY);
  });

  it('a release gives 500 back; the 300 of g-short, which lapsed meanwhile, expire at once (held points did not expire while held)', () => {
    const l = ledger();
    l.run(grant('g-short', 300, T0 + HOUR), T0);
    l.run(grant('g-long', 1000, T0 + 10 * DAY), T0);
    l.run(hold('h1', 500, 86_400), T0 + HOUR - 10 * 60 * SECOND);
    expect(l.hold('h1').allocations).toEqual([
      { grantId: 'g-short', amount: 300 },
      { grantId: 'g-long', amount: 200 },
    ]);
    // At 2 h g-short has lapsed with nothing left in it: nothing to expire, the 300 are held.
    expect(l.run(expire, T0 + 2 * HOUR)).toEqual([]);
    expect([l.wallet.balance, l.wallet.held]).toEqual([800, 500]);
    const out = l.run(release('h1'), T0 + 2 * HOUR);
    expect(rows(out)).toEqual([
      [4, 'POINTS_HOLD_RELEASED', 'h1', 500, 1300, 0, 0],
      [5, 'POINTS_EXPIRED', 'g-short', 300, 1000, 0, 0],
    ]);
    expect(out[0]).toMatchObject({ reason: 'order cancelled', orderId: 'order-9' });
    expect(out[1]!.expiresAt).toBe(T0 + HOUR);
    expect([l.remaining('g-short'), l.remaining('g-long')]).toEqual([0, 1000]);
    expect(l.hold('h1')).toMatchObject({ state: 'RELEASED', released: 500, captured: 0 });
  });

  it('a capture at exactly the hold’s expiresAt is refused (HOLD_NOT_ACTIVE: the lazy step released it); 1 ms before, it is captured', () => {
    const l = twoLots();
    l.run(hold('h1', 700), T0); // expires at T0 + 900 s
    const e = l.refused(capture('h1', 'cap-1'), T0 + 900 * SECOND);
    expect(e.code).toBe('HOLD_NOT_ACTIVE');
    expect(e.details).toEqual({ holdId: 'h1', state: 'RELEASED' });
    expect(e.message).toBe('hold h1 lapsed at 2025-01-01T00:15:00.000Z');
    // Refused: nothing written, the hold is still active in the wallet; 1 ms earlier it can be captured.
    expect(l.hold('h1').state).toBe('ACTIVE');
    const m = twoLots();
    m.run(hold('h1', 700), T0);
    expect(m.run(capture('h1', 'cap-1'), T0 + 900 * SECOND - 1).map((x) => x.type)).toEqual(['POINTS_USED']);
    // The maintenance run at expiresAt releases it.
    const lapsed = l.run(expire, T0 + 900 * SECOND);
    expect(rows(lapsed)).toEqual([[4, 'POINTS_HOLD_RELEASED', 'h1', 700, 1400, 0, 0]]);
    expect(lapsed[0]!.reason).toBe('lapsed');
  });

  it('a hold of 800 then a use racing for the last points: 201 is refused, 200 is spent', () => {
    const l = ledger();
    l.run(grant('g', 1000, T0 + 30 * DAY), T0);
    l.run(hold('h1', 800), T0);
    const e = l.refused(use('u1', 201), T0);
    expect(e.code).toBe('INSUFFICIENT_POINTS');
    expect(e.details).toEqual({ requested: 201, available: 200 });
    expect(rows(l.run(use('u1', 200), T0))).toEqual([[3, 'POINTS_USED', null, 200, 0, 800, 0]]);
    expect(l.refused(hold('h2', 1), T0).details).toEqual({ requested: 1, available: 0 });
  });

  it('a captured use is cancelled like any use: 600 captured (g-a 500, g-b 100) come back latest-expiring lot first', () => {
    const l = ledger();
    l.run(grant('g-a', 500, T0 + 5 * DAY), T0);
    l.run(grant('g-b', 500, T0 + 10 * DAY), T0);
    l.run(hold('h1', 800), T0); // g-a 500, g-b 300
    l.run(capture('h1', 'cap-1', 600), T0); // uses g-a 500, g-b 100; g-b gets 200 back
    expect([l.remaining('g-a'), l.remaining('g-b'), l.wallet.balance]).toEqual([0, 400, 400]);
    const part = l.run(cancel('cap-1', 150), T0 + DAY);
    expect(part[0]!.allocations).toEqual([
      { grantId: 'g-b', amount: 100 },
      { grantId: 'g-a', amount: 50 },
    ]);
    expect(rows(l.run(cancel('cap-1', null), T0 + DAY))).toEqual([[7, 'POINTS_USE_CANCELED', null, 450, 1000, 0, 0]]);
    expect([l.remaining('g-a'), l.remaining('g-b')]).toEqual([500, 500]);
    expect(l.refused(cancel('cap-1', 1), T0 + DAY).code).toBe('CANCEL_EXCEEDS_USE');
  });

  it('a release to a lot closed by revocation revokes its share again at once; after a partial revocation the share stays', () => {
    const l = ledger();
    l.run(grant('g', 1000, T0 + 30 * DAY), T0);
    l.run(grant('k', 1000, T0 + 30 * DAY), T0);
    l.run(hold('h1', 600), T0); // g 600
    l.run(revoke('g'), T0); // the 400 left: closed
    l.run(hold('h2', 600), T0); // k 600
    l.run(revoke('k', 100), T0); // k 300, open
    const out = l.run(release('h1'), T0);
    expect(rows(out)).toEqual([
      [7, 'POINTS_HOLD_RELEASED', 'h1', 600, 900, 600, 0],
      [8, 'POINTS_REVOKED', 'g', 600, 300, 600, 0],
    ]);
    expect(out[1]!.reason).toBe('returned by a hold release to a revoked grant');
    expect(rows(l.run(release('h2'), T0))).toEqual([[9, 'POINTS_HOLD_RELEASED', 'h2', 600, 900, 0, 0]]);
    expect([l.remaining('g'), l.remaining('k')]).toEqual([0, 900]);
  });
});

describe('the lazy steps', () => {
  it('run in a fixed order: activate due lots, release lapsed holds (with their follow-ups), expire lapsed lots', () => {
    const l = ledger();
    l.run(grant('g-old', 300, T0 + DAY), T0);
    l.run(grant('g-pend', 500, T0 + 30 * DAY, T0 + 2 * DAY), T0);
    l.run(hold('h1', 100, 86_400), T0 + DAY - HOUR); // g-old 100 held until T0 + 2 d − 1 h
    expect([l.wallet.balance, l.wallet.held, l.wallet.pending]).toEqual([200, 100, 500]);
    const out = l.run(expire, T0 + 2 * DAY + 1);
    expect(rows(out)).toEqual([
      [4, 'POINTS_GRANT_ACTIVATED', 'g-pend', 500, 700, 100, 0],
      [5, 'POINTS_HOLD_RELEASED', 'h1', 100, 800, 0, 0],
      [6, 'POINTS_EXPIRED', 'g-old', 100, 700, 0, 0],
      [7, 'POINTS_EXPIRED', 'g-old', 200, 500, 0, 0],
    ]);
    expect(out[1]!.reason).toBe('lapsed');
    expect(l.run(expire, T0 + 2 * DAY + 1)).toEqual([]);
  });
});
