import { describe, expect, it } from 'vitest';
import { pointEvent, type PointEvent } from '../../schemas/point-event.ts';
import { emptyModel, evolve, type UserModel } from './model.ts';

const base = (seq: number, over: Partial<PointEvent>): PointEvent =>
  pointEvent({ eventId: `e${seq}`, userId: 'u', seq, type: 'POINTS_GRANTED', amount: 0, balanceAfter: 0, occurredAt: 1000 * seq, ...over });

function run(events: PointEvent[], limit = 10): UserModel {
  return events.reduce((m, e) => evolve(m, e, limit).model, emptyModel());
}

describe('Redis model evolve', () => {
  const grantA = base(1, { type: 'POINTS_GRANTED', amount: 100, balanceAfter: 100, grantId: 'A', expiresAt: 5000 });
  const grantB = base(2, { type: 'POINTS_GRANTED', amount: 50, balanceAfter: 150, grantId: 'B', expiresAt: 9000 });
  const use = base(3, { type: 'POINTS_USED', amount: 120, balanceAfter: 30, useId: 'U', allocations: [{ grantId: 'A', amount: 100 }, { grantId: 'B', amount: 20 }] });

  it('tracks balance, seq, lots with points left and their expiry', () => {
    const m = run([grantA, grantB, use]);
    expect(m).toMatchObject({ balance: 30, seq: 3, updatedAt: 3000, remaining: { B: 30 }, expiry: { A: 5000, B: 9000 } });
    expect(m.history.map((h) => h.seq)).toEqual([3, 2, 1]);
  });

  it('gives cancelled points back to their lots, and forgets an expired or revoked lot', () => {
    const cancel = base(4, { type: 'POINTS_USE_CANCELED', amount: 60, balanceAfter: 90, useId: 'U', allocations: [{ grantId: 'A', amount: 60 }] });
    const expire = base(5, { type: 'POINTS_EXPIRED', amount: 60, balanceAfter: 30, grantId: 'A', expiresAt: 5000 });
    const revoke = base(6, { type: 'POINTS_REVOKED', amount: 30, balanceAfter: 0, grantId: 'B' });
    expect(run([grantA, grantB, use, cancel])).toMatchObject({ remaining: { A: 60, B: 30 }, balance: 90 });
    expect(run([grantA, grantB, use, cancel, expire, revoke])).toMatchObject({ remaining: {}, expiry: {}, balance: 0, seq: 6 });
  });

  it('skips a duplicate and refuses a gap without changing anything', () => {
    const m = run([grantA, grantB]);
    expect(evolve(m, grantA, 10)).toEqual({ model: m, result: 'duplicate' });
    expect(evolve(m, { ...use, seq: 4 }, 10)).toEqual({ model: m, result: { gap: 3 } });
  });

  it('keeps only the latest history items', () => {
    expect(run([grantA, grantB, use], 2).history.map((h) => h.seq)).toEqual([3, 2]);
  });
});
