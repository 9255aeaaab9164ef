/** `make verify`'s checks find a broken ledger, and name the user and the invariant. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectStackApi, testUser, type StackApi } from '../../testing/api.ts';
import { checkLedger } from './ledger-invariants.ts';

let api: StackApi;
beforeAll(async () => {
  api = await connectStackApi();
});
afterAll(async () => api.close());

async function grant(userId: string, amount: number) {
  const r = await api.app.inject({
    method: 'POST',
    url: '/v1/points/grants',
    headers: { authorization: api.auth.write, 'idempotency-key': `${userId}-${amount}` },
    payload: { userId, amount, validDays: 30, reason: 'verify test' },
  });
  expect(r.statusCode).toBe(201);
}

describe('ledger invariants check', () => {
  it('passes for a consistent user and reports each broken invariant of a corrupted one', async () => {
    const userId = testUser('verify');
    await grant(userId, 700);
    await grant(userId, 300);
    const clean = await checkLedger(api.shards);
    expect(clean.differences.filter((d) => d.userId === userId)).toEqual([]);

    await api.dbOf(userId)('point_wallets').where({ user_id: userId }).update({ balance: 999 });
    try {
      const broken = await checkLedger(api.shards);
      const mine = broken.differences.filter((d) => d.userId === userId).map((d) => d.check);
      expect(mine).toEqual([
        'invariant 1: balance = Σ remaining of the active lots',
        'invariant 1: balance = balanceAfter of the last event',
        'invariant 2: granted − used − held + released + cancelled − expired − revoked = balance + pending',
      ]);
    } finally {
      await api.dbOf(userId)('point_wallets').where({ user_id: userId }).update({ balance: 1000 });
    }

    await api.dbOf(userId)('point_events').where({ user_id: userId, seq: 2 }).update({ seq: 3 });
    try {
      const gap = await checkLedger(api.shards);
      expect(gap.differences.filter((d) => d.userId === userId).map((d) => d.check)).toEqual([
        'wallet.seq = last event seq',
        'events are seq 1..n without gaps (count = last seq)',
      ]);
    } finally {
      await api.dbOf(userId)('point_events').where({ user_id: userId, seq: 3 }).update({ seq: 2 });
    }
    expect((await checkLedger(api.shards)).differences.filter((d) => d.userId === userId)).toEqual([]);
  });
});
