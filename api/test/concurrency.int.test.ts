/**
 * Concurrent commands through HTTP against the real MariaDB: the wallet row lock
 * serialises one user's commands (no overdraft, seq without gaps), and one
 * Idempotency-Key sent many times at once has exactly one effect.
 */
import { randomUUID } from 'node:crypto';
import type { LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApi, type TestApi } from './support/app.ts';
import { testUser } from '../../testing/users.ts';

let t: TestApi;
beforeAll(async () => {
  t = await startTestApi();
});
afterAll(async () => {
  await t?.close();
});

type Json = Record<string, any>;
const n = (v: unknown) => Number(v);
const SIGN: Record<string, number> = {
  POINTS_GRANTED: 1,
  POINTS_USED: -1,
  POINTS_USE_CANCELED: 1,
  POINTS_EXPIRED: -1,
  POINTS_REVOKED: -1,
};

function post(url: string, body: unknown, key: string = randomUUID()): Promise<LightMyRequestResponse> {
  return t.app.inject({
    method: 'POST',
    url,
    headers: { authorization: t.auth.write, 'idempotency-key': key },
    payload: body as object,
  });
}

async function grant(userId: string, amount: number): Promise<Json> {
  const res = await post('/v1/points/grants', { userId, amount, validDays: 30, reason: 'concurrency' });
  expect(res.statusCode, res.body).toBe(201);
  return res.json() as Json;
}

/** seq 1..n, running balance_after, wallet = last event = Σ lots, no outbox row. */
async function checkLedger(userId: string) {
  const wallet = await t.dbOf(userId)('point_wallets').where({ user_id: userId }).first();
  const events = await t.dbOf(userId)('point_events').where({ user_id: userId }).orderBy('seq');
  const lots = await t.dbOf(userId)('point_lots').where({ user_id: userId });
  expect(events.map((e) => n(e.seq))).toEqual(events.map((_, i) => i + 1));
  let balance = 0;
  for (const e of events) {
    balance += SIGN[e.type as string]! * n(e.amount);
    expect(n(e.balance_after)).toBe(balance);
  }
  expect(n(wallet.balance)).toBe(balance);
  expect(n(wallet.seq)).toBe(events.length);
  expect(lots.reduce((s, l) => s + n(l.remaining), 0)).toBe(balance);
  const outbox = await t.dbOf(userId)('point_event_outbox').where({ aggregateid: userId });
  expect(outbox).toEqual([]);
  return { wallet, events, lots };
}

describe('concurrent commands on one user', () => {
  it('50 concurrent uses of 100 on a balance of 1000: exactly 10 succeed, no overdraft, seq 1..11', async () => {
    const userId = testUser('race');
    const g = await grant(userId, 1000);
    const keys = Array.from({ length: 50 }, () => randomUUID());
    const answers = await Promise.all(keys.map((key) => post('/v1/points/uses', { userId, amount: 100 }, key)));

    const ok = answers.filter((r) => r.statusCode === 201);
    const refused = answers.filter((r) => r.statusCode !== 201);
    expect(ok).toHaveLength(10);
    expect(refused).toHaveLength(40);
    for (const r of refused) {
      expect(r.statusCode).toBe(409);
      expect(r.json()).toMatchObject({ error: { code: 'INSUFFICIENT_POINTS' } });
    }
    const bodies = ok.map((r) => r.json() as Json);
    expect(bodies.map((b) => b.seq).sort((a, b) => a - b)).toEqual([2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
    for (const b of bodies) {
      expect(b.balance).toBe(1000 - 100 * (b.seq - 1));
      expect(b.allocations).toEqual([{ grantId: g.grantId, amount: 100 }]);
    }

    const { wallet, events, lots } = await checkLedger(userId);
    expect(n(wallet.balance)).toBe(0);
    expect(n(wallet.seq)).toBe(11);
    expect(events).toHaveLength(11);
    expect(events.map((e) => e.type)).toEqual(['POINTS_GRANTED', ...Array(10).fill('POINTS_USED')]);
    expect(n(lots[0]!.remaining)).toBe(0);
    const uses = await t.dbOf(userId)('point_uses').where({ user_id: userId });
    expect(uses).toHaveLength(10);
    expect(new Set(uses.map((u) => u.use_id))).toEqual(new Set(bodies.map((b) => b.useId)));
    // Only the successful commands keep an idempotency record.
    const stored = await t.onEveryShard((db) => db('idempotency_keys').whereIn('idem_key', keys));
    expect(stored).toHaveLength(10);
  });

  it('the same Idempotency-Key and body 20 times at once: one effect, 20 equal answers, 19 replayed', async () => {
    const userId = testUser('twin');
    await grant(userId, 1000);
    const key = randomUUID();
    const answers = await Promise.all(Array.from({ length: 20 }, () => post('/v1/points/uses', { userId, amount: 100, orderId: 'o-1' }, key)));
    for (const r of answers) expect(r.statusCode, r.body).toBe(201);
    const first = answers[0]!.json() as Json;
    for (const r of answers) expect(r.json()).toEqual(first);
    const replayed = answers.filter((r) => r.headers['idempotent-replayed'] === 'true');
    expect(replayed).toHaveLength(19);
    expect(answers.filter((r) => r.headers['idempotent-replayed'] === undefined)).toHaveLength(1);
    expect(first).toMatchObject({ userId, seq: 2, balance: 900 });

    const { wallet, events } = await checkLedger(userId);
    expect(n(wallet.balance)).toBe(900);
    expect(events.filter((e) => e.type === 'POINTS_USED')).toHaveLength(1);
    expect(await t.dbOf(userId)('point_uses').where({ user_id: userId })).toHaveLength(1);
    expect(await t.onEveryShard((db) => db('idempotency_keys').where({ idem_key: key }))).toHaveLength(1);
  });

  it('10 concurrent first grants of a new user: every one lands, seq 1..10', async () => {
    const userId = testUser('fresh');
    const answers = await Promise.all(Array.from({ length: 10 }, (_, i) => post('/v1/points/grants', { userId, amount: i + 1, validDays: 30, reason: 'r' })));
    for (const r of answers) expect(r.statusCode, r.body).toBe(201);
    expect(answers.map((r) => (r.json() as Json).seq).sort((a, b) => a - b)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    const { wallet } = await checkLedger(userId);
    expect(n(wallet.balance)).toBe(55);
  });

  it('concurrent partial cancellations of one use never give back more than it took', async () => {
    const userId = testUser('cancels');
    await grant(userId, 1000);
    const u = await post('/v1/points/uses', { userId, amount: 300 });
    const useId = (u.json() as Json).useId as string;
    const answers = await Promise.all(Array.from({ length: 8 }, () => post(`/v1/points/uses/${useId}/cancellations`, { amount: 100 })));
    expect(answers.filter((r) => r.statusCode === 201)).toHaveLength(3);
    const refused = answers.filter((r) => r.statusCode !== 201);
    expect(refused).toHaveLength(5);
    for (const r of refused) expect(r.json()).toMatchObject({ error: { code: 'CANCEL_EXCEEDS_USE' } });
    const row = await t.dbOf(useId)('point_uses').where({ use_id: useId }).first();
    expect(n(row.canceled)).toBe(300);
    const { wallet } = await checkLedger(userId);
    expect(n(wallet.balance)).toBe(1000);
    expect(n(wallet.seq)).toBe(5);
  });

  it('commands on different users run side by side', async () => {
    const users = Array.from({ length: 10 }, () => testUser('par'));
    const answers = await Promise.all(users.map((userId) => post('/v1/points/grants', { userId, amount: 10, reason: 'r' })));
    for (const r of answers) expect(r.json()).toMatchObject({ seq: 1, balance: 10 });
    for (const userId of users) await checkLedger(userId);
  });
});
