import { describe, expect, it } from 'vitest';
import { pointEvent, type PointEvent } from '../../schemas/point-event.ts';
import { orderKey, ownerKey, recordKey, userKeys } from './keys.ts';
import { emptyModel, evolve, indexEntries, redisImage, type UserModel } from './model.ts';

const base = (seq: number, over: Partial<PointEvent>): PointEvent =>
  pointEvent({ eventId: `e${seq}`, userId: 'u', seq, type: 'POINTS_GRANTED', amount: 0, balanceAfter: 0, occurredAt: 1000 * seq, ...over });

function run(events: PointEvent[], limit = 10): UserModel {
  return events.reduce((m, e) => {
    const { model, result } = evolve(m, e, limit);
    expect(result).toBe('applied');
    return model;
  }, emptyModel());
}

describe('Redis model evolve', () => {
  const grantA = base(1, { type: 'POINTS_GRANTED', amount: 100, balanceAfter: 100, grantId: 'A', expiresAt: 5000, reason: 'welcome' });
  const grantB = base(2, { type: 'POINTS_GRANTED', amount: 50, balanceAfter: 150, grantId: 'B', expiresAt: 9000, reason: 'r', source: 'shop', orderId: 'o-1' });
  const use = base(3, {
    type: 'POINTS_USED',
    amount: 120,
    balanceAfter: 30,
    useId: 'U',
    orderId: 'o-2',
    allocations: [
      { grantId: 'A', amount: 100 },
      { grantId: 'B', amount: 20 },
    ],
  });

  it('tracks balance, seq, lots with points left and their expiry', () => {
    const m = run([grantA, grantB, use]);
    expect(m).toMatchObject({ balance: 30, held: 0, pending: 0, seq: 3, updatedAt: 3000, remaining: { B: 30 }, expiry: { A: 5000, B: 9000 } });
    expect(m.history.map((h) => h.seq)).toEqual([3, 2, 1]);
  });

  it('keeps a record per grant and use: a lot a use took to 0 is SPENT', () => {
    const m = run([grantA, grantB, use]);
    expect(m.grants.A).toEqual({
      state: 'SPENT',
      amount: 100,
      remaining: 0,
      expiresAt: 5000,
      availableAt: null,
      orderId: null,
      reason: 'welcome',
      source: null,
      createdAt: 1000,
    });
    expect(m.grants.B).toMatchObject({ state: 'ACTIVE', amount: 50, remaining: 30, orderId: 'o-1', source: 'shop' });
    expect(m.uses.U).toEqual({ amount: 120, canceled: 0, orderId: 'o-2', holdId: null, allocations: use.allocations, cancellations: [], createdAt: 3000 });
  });

  it('gives cancelled points back to their lots (a SPENT lot is ACTIVE again), and forgets an expired or revoked lot', () => {
    const cancel = base(4, {
      type: 'POINTS_USE_CANCELED',
      amount: 60,
      balanceAfter: 90,
      useId: 'U',
      cancellationId: 'C1',
      allocations: [{ grantId: 'A', amount: 60 }],
    });
    const expire = base(5, { type: 'POINTS_EXPIRED', amount: 60, balanceAfter: 30, grantId: 'A', expiresAt: 5000 });
    const revoke = base(6, { type: 'POINTS_REVOKED', amount: 30, balanceAfter: 0, grantId: 'B' });
    const cancelled = run([grantA, grantB, use, cancel]);
    expect(cancelled).toMatchObject({ remaining: { A: 60, B: 30 }, balance: 90 });
    expect(cancelled.grants.A).toMatchObject({ state: 'ACTIVE', remaining: 60 });
    expect(cancelled.uses.U).toMatchObject({ canceled: 60, cancellations: [{ cancellationId: 'C1', amount: 60, occurredAt: 4000 }] });
    const m = run([grantA, grantB, use, cancel, expire, revoke]);
    expect(m).toMatchObject({ remaining: {}, expiry: {}, balance: 0, seq: 6 });
    expect(m.grants.A).toMatchObject({ state: 'EXPIRED', remaining: 0 });
    expect(m.grants.B).toMatchObject({ state: 'REVOKED', remaining: 0 });
  });

  it('a partial revocation leaves the lot open and ACTIVE', () => {
    const revoke = base(2, { type: 'POINTS_REVOKED', amount: 30, balanceAfter: 70, grantId: 'A' });
    const m = run([grantA, revoke]);
    expect(m).toMatchObject({ remaining: { A: 70 }, expiry: { A: 5000 } });
    expect(m.grants.A).toMatchObject({ state: 'ACTIVE', remaining: 70 });
  });

  describe('pending grants', () => {
    const pending = base(1, {
      type: 'POINTS_GRANT_PENDING',
      amount: 80,
      balanceAfter: 0,
      pendingAfter: 80,
      grantId: 'P',
      expiresAt: 90_000,
      availableAt: 20_000,
      orderId: 'o-9',
      reason: 'purchase',
      source: 'shop',
    });

    it('keeps a pending lot out of the active lots (no remaining, no expiry), in `pending` and its record', () => {
      const m = run([pending]);
      expect(m).toMatchObject({ balance: 0, pending: 80, remaining: {}, expiry: {} });
      expect(m.grants.P).toEqual({
        state: 'PENDING',
        amount: 80,
        remaining: 80,
        expiresAt: 90_000,
        availableAt: 20_000,
        orderId: 'o-9',
        reason: 'purchase',
        source: 'shop',
        createdAt: 1000,
      });
    });

    it('an activation brings the lot in with its expiry: ACTIVE', () => {
      const activate = base(2, { type: 'POINTS_GRANT_ACTIVATED', amount: 80, balanceAfter: 80, pendingAfter: 0, grantId: 'P' });
      const m = run([pending, activate]);
      expect(m).toMatchObject({ balance: 80, pending: 0, remaining: { P: 80 }, expiry: { P: 90_000 } });
      expect(m.grants.P).toMatchObject({ state: 'ACTIVE', remaining: 80, availableAt: 20_000 });
    });

    it('a revocation of a pending lot changes its record only: partial stays PENDING, all of it is REVOKED', () => {
      const part = base(2, { type: 'POINTS_REVOKED', amount: 30, balanceAfter: 0, pendingAfter: 50, grantId: 'P' });
      const partly = run([pending, part]);
      expect(partly).toMatchObject({ pending: 50, remaining: {}, expiry: {} });
      expect(partly.grants.P).toMatchObject({ state: 'PENDING', remaining: 50 });
      const rest = base(3, { type: 'POINTS_REVOKED', amount: 50, balanceAfter: 0, pendingAfter: 0, grantId: 'P' });
      const voided = run([pending, part, rest]);
      expect(voided).toMatchObject({ pending: 0, remaining: {}, expiry: {} });
      expect(voided.grants.P).toMatchObject({ state: 'REVOKED', remaining: 0 });
      // Activated after a partial revocation: what is left.
      const activate = base(3, { type: 'POINTS_GRANT_ACTIVATED', amount: 50, balanceAfter: 50, grantId: 'P' });
      expect(run([pending, part, activate])).toMatchObject({ remaining: { P: 50 }, grants: { P: { state: 'ACTIVE', remaining: 50 } } });
    });
  });

  describe('holds', () => {
    const hold = base(3, {
      type: 'POINTS_HELD',
      amount: 120,
      balanceAfter: 30,
      heldAfter: 120,
      holdId: 'H',
      expiresAt: 4000,
      orderId: 'o-3',
      reason: 'checkout',
      allocations: [
        { grantId: 'A', amount: 100 },
        { grantId: 'B', amount: 20 },
      ],
    });

    it('takes the points from the lots (SPENT at 0) and keeps the hold ACTIVE among the active holds', () => {
      const m = run([grantA, grantB, hold]);
      expect(m).toMatchObject({ balance: 30, held: 120, remaining: { B: 30 }, expiry: { A: 5000, B: 9000 }, activeHolds: { H: 4000 } });
      expect(m.grants.A).toMatchObject({ state: 'SPENT', remaining: 0 });
      expect(m.holds.H).toEqual({ state: 'ACTIVE', amount: 120, captured: 0, expiresAt: 4000, orderId: 'o-3', useId: null, createdAt: 3000 });
    });

    it('a capture is a use that takes nothing from the lots again; the rest released goes back and the hold stays CAPTURED', () => {
      const capture = base(4, {
        type: 'POINTS_USED',
        amount: 100,
        balanceAfter: 30,
        heldAfter: 20,
        useId: 'U2',
        holdId: 'H',
        orderId: 'o-3',
        allocations: [{ grantId: 'A', amount: 100 }],
      });
      const captured = run([grantA, grantB, hold, capture]);
      expect(captured).toMatchObject({ remaining: { B: 30 }, activeHolds: {}, held: 20 });
      expect(captured.holds.H).toMatchObject({ state: 'CAPTURED', captured: 100, useId: 'U2' });
      expect(captured.uses.U2).toMatchObject({ amount: 100, holdId: 'H', orderId: 'o-3', allocations: [{ grantId: 'A', amount: 100 }] });
      const rest = base(5, {
        type: 'POINTS_HOLD_RELEASED',
        amount: 20,
        balanceAfter: 50,
        heldAfter: 0,
        holdId: 'H',
        allocations: [{ grantId: 'B', amount: 20 }],
      });
      const m = run([grantA, grantB, hold, capture, rest]);
      expect(m).toMatchObject({ balance: 50, held: 0, remaining: { B: 50 }, activeHolds: {} });
      expect(m.holds.H).toMatchObject({ state: 'CAPTURED', captured: 100, useId: 'U2' });
      expect(m.grants.B).toMatchObject({ state: 'ACTIVE', remaining: 50 });
      expect(m.grants.A).toMatchObject({ state: 'SPENT', remaining: 0 });
    });

    it('a release (or a lapse) gives the points back: the hold is RELEASED and a SPENT lot ACTIVE again', () => {
      const release = base(4, {
        type: 'POINTS_HOLD_RELEASED',
        amount: 120,
        balanceAfter: 150,
        heldAfter: 0,
        holdId: 'H',
        reason: 'lapsed',
        allocations: [
          { grantId: 'A', amount: 100 },
          { grantId: 'B', amount: 20 },
        ],
      });
      const m = run([grantA, grantB, hold, release]);
      expect(m).toMatchObject({ balance: 150, held: 0, remaining: { A: 100, B: 50 }, activeHolds: {} });
      expect(m.holds.H).toMatchObject({ state: 'RELEASED', captured: 0 });
      expect(m.grants.A).toMatchObject({ state: 'ACTIVE', remaining: 100 });
      // A lapsed lot gets its share back and expires at once.
      const expire = base(5, { type: 'POINTS_EXPIRED', amount: 100, balanceAfter: 50, grantId: 'A', expiresAt: 5000 });
      const lapsed = run([grantA, grantB, hold, release, expire]);
      expect(lapsed).toMatchObject({ remaining: { B: 50 }, expiry: { B: 9000 } });
      expect(lapsed.grants.A).toMatchObject({ state: 'EXPIRED', remaining: 0 });
    });

    it('orders the active holds by expiry in Redis (the sorted set)', () => {
      const second = base(4, {
        type: 'POINTS_HELD',
        amount: 10,
        balanceAfter: 20,
        heldAfter: 130,
        holdId: 'G',
        expiresAt: 3500,
        allocations: [{ grantId: 'B', amount: 10 }],
      });
      const image = redisImage('u', run([grantA, grantB, hold, second]));
      expect(image[userKeys('u').holds]).toEqual({
        zset: [
          ['G', '3500'],
          ['H', '4000'],
        ],
      });
    });
  });

  it('changes only the active lot of a grant projected before records existed, and makes no record up', () => {
    const legacy: UserModel = { ...emptyModel(), balance: 100, seq: 1, remaining: { OLD: 100 }, expiry: { OLD: 5000 } };
    const u = base(2, { type: 'POINTS_USED', amount: 40, balanceAfter: 60, useId: 'U', allocations: [{ grantId: 'OLD', amount: 40 }] });
    const c = base(3, {
      type: 'POINTS_USE_CANCELED',
      amount: 10,
      balanceAfter: 70,
      useId: 'OLD-USE',
      cancellationId: 'C',
      allocations: [{ grantId: 'OLD', amount: 10 }],
    });
    const m = [u, c].reduce((s, e) => evolve(s, e, 10).model, legacy);
    expect(m).toMatchObject({ remaining: { OLD: 70 }, grants: {}, uses: { U: { amount: 40 } } });
    expect(Object.keys(m.uses)).toEqual(['U']);
  });

  it('skips a duplicate and refuses a gap without changing anything', () => {
    const m = run([grantA, grantB]);
    expect(evolve(m, grantA, 10)).toEqual({ model: m, result: 'duplicate' });
    expect(evolve(m, { ...use, seq: 4 }, 10)).toEqual({ model: m, result: { gap: 3 } });
  });

  it('keeps only the latest history items', () => {
    expect(run([grantA, grantB, use], 2).history.map((h) => h.seq)).toEqual([3, 2]);
  });

  it("indexes the owner of each new grant, use and hold, and the order's member when it carries an orderId", () => {
    expect(indexEntries(grantA)).toEqual({ owners: [[ownerKey('grant', 'A'), 'u']], orders: [] });
    expect(indexEntries(grantB)).toEqual({ owners: [[ownerKey('grant', 'B'), 'u']], orders: [[orderKey('o-1'), 'u|grant|B']] });
    expect(indexEntries(use)).toEqual({ owners: [[ownerKey('use', 'U'), 'u']], orders: [[orderKey('o-2'), 'u|use|U']] });
    const held = base(4, { type: 'POINTS_HELD', amount: 1, balanceAfter: 0, holdId: 'H', expiresAt: 1, orderId: 'o' });
    expect(indexEntries(held)).toEqual({ owners: [[ownerKey('hold', 'H'), 'u']], orders: [[orderKey('o'), 'u|hold|H']] });
    const pending = base(5, { type: 'POINTS_GRANT_PENDING', amount: 1, balanceAfter: 0, grantId: 'P', expiresAt: 9, availableAt: 5, orderId: 'o' });
    expect(indexEntries(pending).orders).toEqual([[orderKey('o'), 'u|grant|P']]);
    for (const type of ['POINTS_GRANT_ACTIVATED', 'POINTS_USE_CANCELED', 'POINTS_EXPIRED', 'POINTS_REVOKED', 'POINTS_HOLD_RELEASED'] as const) {
      expect(indexEntries(base(6, { type, amount: 1, balanceAfter: 0, grantId: 'A', useId: 'U', holdId: 'H', orderId: 'o' }))).toEqual({
        owners: [],
        orders: [],
      });
    }
  });

  it('says what Redis holds: the records as hashes of strings, null fields left out', () => {
    const image = redisImage('u', run([grantA, grantB, use]));
    expect(image[userKeys('u').wallet]).toEqual({ hash: { balance: '30', held: '0', pending: '0', seq: '3', updatedAt: '3000' } });
    expect(image[recordKey('u', 'grant', 'A')]).toEqual({
      hash: { state: 'SPENT', amount: '100', remaining: '0', expiresAt: '5000', createdAt: '1000', reason: 'welcome' },
    });
    expect(image[recordKey('u', 'use', 'U')]).toEqual({
      hash: {
        amount: '120',
        canceled: '0',
        allocations: '[{"grantId":"A","amount":100},{"grantId":"B","amount":20}]',
        cancellations: '[]',
        createdAt: '3000',
        orderId: 'o-2',
      },
    });
    expect(image[userKeys('u').holds]).toBeUndefined();
  });
});
